// The uprobe family against binaries compiled here: functions found in
// .symtab (PIE and non-PIE) and .dynsym (stripped), at the file offsets
// objdump -F prints (the oracle); libraries by name where ldconfig -p says;
// $arg1..$arg6 readable and writable at entry, $return at return; refusals
// located, with the nearest function of the ELF's symbols; the render's
// uprobe table; guru list -v.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { findUserBinary } from '../../src/probeFamilies/uprobe/findUserBinary.js';
import { readLdSoCache } from '../../src/probeFamilies/uprobe/ldSoCache.js';
import { readUserBinary } from '../../src/probeFamilies/uprobe/userFunctions.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SOURCE = path.resolve('test/fixtures/programs/greeter.c');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-uprobe-'));
  await execa('gcc', ['-O2', '-rdynamic', '-o', `${dir}/pie`, SOURCE]);
  await execa('gcc', ['-O2', '-no-pie', '-o', `${dir}/nopie`, SOURCE]);
  await execa('gcc', ['-O2', '-rdynamic', '-o', `${dir}/stripped`, SOURCE]);
  await execa('strip', ['--strip-all', `${dir}/stripped`]);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** objdump's view of FUNC: its address and file offset (`<greet> (File Offset: 0x1190):`). */
async function objdumpPlace(file: string, func: string): Promise<{ address: string; offset: number }> {
  const { stdout } = await execa('objdump', ['-d', '-F', file]);
  const m = new RegExp(`^([0-9a-f]+) <${func}> \\(File Offset: 0x([0-9a-f]+)\\):$`, 'm').exec(stdout);
  if (!m) throw new Error(`objdump shows no ${func} in ${file}`);
  return { address: `0x${BigInt(`0x${m[1]}`).toString(16)}`, offset: parseInt(m[2]!, 16) };
}

function spec(probes: string) {
  return parseSpec('u.yaml', `guru: 1\nname: u\nprobes:\n${probes}`);
}

test('greet is found at objdump\'s address and file offset in PIE, non-PIE and stripped builds; the expected bytes are the file\'s', async () => {
  for (const name of ['pie', 'nopie', 'stripped']) {
    const file = `${dir}/${name}`;
    const fn = readUserBinary(file).functions.get('greet')!;
    expect(fn).toHaveLength(1);
    // objdump of the stripped file has no symbols; its code is where the unstripped build has it.
    const oracle = await objdumpPlace(name === 'stripped' ? `${dir}/pie` : file, 'greet');
    expect({ name, address: `0x${fn[0]!.address.toString(16)}`, offset: fn[0]!.fileOffset }).toEqual({ name, ...oracle });
    expect(fn[0]!.table).toBe(name === 'stripped' ? 'dynsym' : 'symtab');
  }
  const plan = buildPlan(spec(`  - on: uprobe:${dir}/nopie:greet\n`), fakeKernelFacts());
  const p = plan.probes[0]!;
  if (p.kind !== 'uprobe') throw new Error(p.kind);
  expect(p.pie).toBe(false);
  const site = p.sites[0]!;
  expect(p.sites).toHaveLength(1);
  expect(site.address).toMatch(/^0x4/);
  expect(site.expect).toBe(fs.readFileSync(`${dir}/nopie`).subarray(site.offset, site.offset + 16).toString('hex'));
  expect(readUserBinary(`${dir}/pie`).pie).toBe(true);
});

test('a bare library name is the file ld.so finds (ldconfig -p is the oracle); relative paths are from the working directory', async () => {
  const { stdout } = await execa('ldconfig', ['-p']);
  const line = stdout.split('\n').find((l) => /^\s+libc\.so\.6 \(libc6,x86-64\) => /.test(l))!;
  const expected = fs.realpathSync(line.split(' => ')[1]!.trim());
  expect(readLdSoCache().get('libc.so.6')).toBe(line.split(' => ')[1]!.trim());
  expect(findUserBinary('libc.so.6')).toEqual({ path: expected });
  expect(findUserBinary('./pie', dir)).toEqual({ path: fs.realpathSync(`${dir}/pie`) });
  expect(findUserBinary('libc.so.7')).toMatchObject({ hint: expect.stringContaining('did you mean libc.so.6?') });
  // puts is a plain function of libc; its default version is the one probed.
  expect(readUserBinary(expected).functions.get('puts')).toHaveLength(1);
});

test('$arg1..$arg6 at entry (writable), $return at return (writable); the C reads and writes the user registers', () => {
  const plan = buildPlan(
    spec(
      `  - on: uprobe:${dir}/pie:greet\n    if: $arg2 == 3\n    do:\n      - log("%s", user_string($arg1))\n      - $arg2 = 5\n` +
        `  - on: process("${dir}/pie").function("greet").return\n    do:\n      - $return = $return + 1000\n` +
        `  - on: u:${dir}/nopie:greet\n`,
    ),
    fakeKernelFacts(),
  );
  expect(plan.probes.map((p) => `${p.kind} ${p.targets.map((t) => `${t.name}${t.writable ? '=' : ''}`).join(' ')}`)).toEqual([
    'uprobe $arg1= $arg2= $arg3= $arg4= $arg5= $arg6=',
    'uretprobe $return=',
    'uprobe $arg1= $arg2= $arg3= $arg4= $arg5= $arg6=',
  ]);
  const files = renderModule(plan).files;
  const c = files['probes.c']!;
  expect(c).toContain('GURU_USER_STRING(0, (s64)(long)GURU_USER_ARG(0)');
  expect(c).toContain('GURU_USER_ARG(1) = (unsigned long)(long)(5);');
  expect(c).toContain('regs_set_return_value(ctx->regs,');
  // Entry and return on one place share one uprobe; the other binary has its own.
  expect(c.match(/\.path = "/g)).toHaveLength(2);
  expect(c).toMatch(/\.entry = up0_greet_entry,\s+\.ret = up0_greet_return,/);
  expect(c).toMatch(/\.entry = up1_greet_entry,\s+\.ret = NULL,/);
  expect(files['Kbuild']).toContain('probes.o guru_runtime.o guru_uprobe.o');
  expect(Object.keys(files).sort()).toEqual(['Kbuild', 'guru_runtime.c', 'guru_runtime.h', 'guru_uprobe.c', 'guru_uprobe.h', 'probes.c']);
});

test('refusals are located, with the nearest function from the ELF\'s symbols', () => {
  const text = refusalText(() =>
    buildPlan(
      spec(
        `  - on: uprobe:${dir}/pie:gret\n` +
          `  - on: uprobe:${dir}/pie:zz*\n` +
          `  - on: uprobe:${dir}/pie:gree*\n    do: $arg2 = 1\n` +
          `  - on: uprobe:${dir}/missing:greet\n` +
          '  - on: uprobe:libc.so.6:strlen\n' +
          `  - on: uprobe:${dir}/pie:greet\n    do: log("%d", $return)\n` +
          `  - on: uretprobe:${dir}/pie:greet\n    do: log("%d", $arg1)\n` +
          `  - on: ur:${dir}/pie:greet\n    do: log("%d", $name)\n` +
          `  - on: ustatement:${dir}/pie:main@greeter.c:36\n`,
      ),
      fakeKernelFacts(),
    ),
  );
  const libc = fs.realpathSync(readLdSoCache().get('libc.so.6')!);
  expect(text.replaceAll(dir, 'DIR').replaceAll(libc, 'LIBC').replace(/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug/g, '.build-id/BU/ILDID.debug')).toMatchSnapshot();
});

test('the kernel stack is refused at uprobes (it is the breakpoint trap\'s), located, pointing at what shows the program\'s calls', () => {
  const text = refusalText(() =>
    buildPlan(
      spec(
        `  - on: uprobe:${dir}/pie:greet\n    do: backtrace()\n` +
          `  - on: uretprobe:${dir}/pie:greet\n    do: print_backtrace()\n` +
          `  - on: u:${dir}/pie:greet\n    do: printf("%s\\n", kstack)\n` +
          `  - on: process("${dir}/pie").function("gree*")\n    do: log("%s", sprint_backtrace())\n`,
      ),
      fakeKernelFacts(),
    ),
  );
  expect(text.replaceAll(dir, 'DIR')).toMatchSnapshot();
});

test('caller() and caller_addr() at a uprobe read the word at the user stack pointer; refused at a return, located', () => {
  const plan = buildPlan(spec(`  - on: uprobe:${dir}/pie:greet\n    do: log("%s %d", caller(), caller_addr())\n`), fakeKernelFacts());
  const log = plan.probes[0]!.actions[0]!;
  const load = { k: 'load', space: 'user', ctype: 'u64', addr: { k: 'target', target: { access: { kind: 'c', c: 'ctx->regs->sp' } } } };
  expect(log).toMatchObject({ k: 'log', args: [{ k: 'text', arg: { caller: 'user' }, parts: [load] }, load] });
  expect(renderModule(plan).files['probes.c']).toContain('GURU_READ(user, (s64)(unsigned long)ctx->regs->sp, u64, 5)');
  const text = refusalText(() => buildPlan(spec(`  - on: uretprobe:${dir}/pie:greet\n    do: log("%s", caller())\n`), fakeKernelFacts()));
  expect(text.replaceAll(dir, 'DIR')).toMatchSnapshot();
});

test('a pattern sits on every function it matches, read-only, one handler for all; func names the one hit', () => {
  const plan = buildPlan(
    spec(`  - on: process("${dir}/nopie").function("*")\n    do: log("%s(%d)", func, $arg1)\n  - on: ur:${dir}/nopie:greet\n    do: log("%s returns", func)\n`),
    fakeKernelFacts(),
  );
  const [all, one] = plan.probes;
  if (all?.kind !== 'uprobe' || one?.kind !== 'uretprobe') throw new Error('kinds');
  const names = all.sites.map((s) => s.func);
  expect(names).toEqual(expect.arrayContaining(['greet', 'main']));
  expect(names).toEqual([...names].sort());
  expect(all.targets.every((t) => !t.writable)).toBe(true);
  const c = renderModule(plan).files['probes.c']!;
  // Every match calls the one handler with its own name; greet's place also has the return probe.
  const fn = /^static __always_inline void (probe0_\w+)\(struct pt_regs \*regs, const char \*func_name\)$/m.exec(c)![1]!;
  expect(c).toContain(`${fn}(regs, "main");`);
  expect(c).toMatch(new RegExp(`static void up\\d+_greet_entry\\(struct pt_regs \\*regs\\)\\n\\{\\n\\t${fn}\\(regs, "greet"\\);`));
  expect(c.match(/\.ret = up\d+_greet_return,/g)).toHaveLength(1);
  expect(c.match(/\.path = "/g)).toHaveLength(names.length);
  expect(c).toContain('ctx->func_name = func_name;');
});

test('--max-probes counts a uprobe per match of a pattern: two patterns that fit the cap alone are refused together, the second one located', () => {
  const text = `  - on: uprobe:${dir}/nopie:*\n  - on: uretprobe:${dir}/nopie:*\n`;
  const matches = buildPlan(spec(`  - on: uprobe:${dir}/nopie:*\n`), fakeKernelFacts()).probes[0]!;
  if (matches.kind !== 'uprobe') throw new Error(matches.kind);
  const n = matches.sites.length;
  expect(n).toBeGreaterThan(2);
  // Both fit in 2n; in 2n - 1 the second pattern's n matches do not fit after the first's n.
  expect(buildPlan(spec(text), fakeKernelFacts(), undefined, { maxProbes: 2 * n }).probes).toHaveLength(2);
  const refused = refusalText(() => buildPlan(spec(text), fakeKernelFacts(), undefined, { maxProbes: 2 * n - 1 })).replaceAll(dir, 'DIR');
  expect(refused).toContain(`u.yaml:5:9: error: uretprobe:DIR/nopie:* matches ${n} functions, more than the ${n - 1} probes --max-probes leaves this spec`);
  expect(refused).not.toContain('u.yaml:4:');
});

test("guru list -v 'uprobe:PATH:gree*' shows the function and its positional arguments", async () => {
  const { stdout } = await execa('node', ['bin/guru.js', 'list', '-v', `uprobe:${dir}/pie:gree*`, '--kernel', 'debian:6.1']);
  expect(stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual(expect.arrayContaining([`uprobe:${dir}/pie:greet`, '$arg1 long writable', '$arg6 long writable']));
  const plain = await execa('node', ['bin/guru.js', 'list', `process("${dir}/stripped").function("*")`, '--kernel', 'debian:6.1']);
  expect(plain.stdout.split('\n')).toEqual(expect.arrayContaining([`uprobe:${dir}/stripped:greet`, `uprobe:${dir}/stripped:main`]));
}, 60_000);

test('a path glob names the one file it matches (symlinks to it count once); several or none are refused, located', () => {
  fs.mkdirSync(`${dir}/g/a`, { recursive: true });
  fs.mkdirSync(`${dir}/g/b`, { recursive: true });
  fs.copyFileSync(`${dir}/pie`, `${dir}/g/a/prog`);
  fs.symlinkSync(`${dir}/g/a/prog`, `${dir}/g/b/prog`);
  expect(findUserBinary(`${dir}/g/*/prog`)).toEqual({ path: fs.realpathSync(`${dir}/g/a/prog`) });
  expect(findUserBinary('./g/*/pr*', dir)).toEqual({ path: fs.realpathSync(`${dir}/g/a/prog`) });
  // The issue's example: libc found through a glob is the file its name finds.
  const libc = findUserBinary('libc.so.6');
  expect(findUserBinary('/usr/lib/*/libc.so.6')).toEqual(libc);
  fs.copyFileSync(`${dir}/pie`, `${dir}/g/b/other`);
  const text = refusalText(() => buildPlan(spec(`  - on: uprobe:${dir}/g/*/*:greet\n  - on: uprobe:${dir}/g/*/none:greet\n  - on: uprobe:libc.so.*:puts\n`), fakeKernelFacts())).replaceAll(dir, 'DIR');
  expect(text).toContain("DIR/g/*/* matches 2 files (DIR/g/a/prog, DIR/g/b/other); a uprobe's path must name one");
  expect(text).toContain('hint: name one of them, or write a probe for each: uprobe:DIR/g/a/prog:FUNC');
  expect(text).toContain('no file matches DIR/g/*/none');
  expect(text).toContain('a library name cannot hold a wildcard: libc.so.*');
  const plan = buildPlan(spec(`  - on: uprobe:${dir}/g/*/prog:greet\n    do: $arg2 = 1\n`), fakeKernelFacts());
  expect(plan.probes[0]).toMatchObject({ kind: 'uprobe', path: fs.realpathSync(`${dir}/g/a/prog`) });
});
