// User statement probes (ustatement:PATH:FUNC@FILE:LINE) against seed
// 003's trace.c compiled here with gcc -g -O0, as a PIE and not, and at
// -O2. gdb is the oracle: the program runs under it to breakpoints at the
// lines, and there the breakpoint's file offset (its pc through `info proc
// mappings`) and each local's address relative to rbp (`&ret - $rbp`) must
// be the uprobe's file offset and the place guru reads and writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { openProgramDebuginfo } from '../../src/debuginfo/programDebuginfo.js';
import { parseListPattern } from '../../src/list/listPattern.js';
import { listProbePoints } from '../../src/list/listProbePoints.js';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { describePlan } from '../../src/plan/describePlan.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const TRACE = path.resolve('test/fixtures/programs/trace.c');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-ustmt-'));
  await execa('gcc', ['-g', '-O0', '-o', `${dir}/trace`, TRACE]);
  await execa('gcc', ['-g', '-O0', '-no-pie', '-o', `${dir}/trace-nopie`, TRACE]);
  await execa('gcc', ['-g', '-O2', '-o', `${dir}/trace-o2`, TRACE]);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(probes: string) {
  return parseSpec('u.yaml', `guru: 1\nname: u\nprobes:\n${probes}`);
}

interface GdbStop {
  /** The breakpoint's offset in the file, from its pc and the mapping holding it. */
  fileOffset: number;
  /** Each local's address minus rbp. */
  fromRbp: Record<string, number>;
}

/** Run BINARY under gdb to LINE of trace.c (its first hit) and read where it stopped and where NAMES are. */
async function gdbStop(binary: string, line: number, names: string[]): Promise<GdbStop> {
  const { stdout } = await execa('gdb', ['-batch', '-nx', '-ex', `break trace.c:${line}`, '-ex', 'run', '-ex', 'printf "pc=%lx\\n", $pc', ...names.flatMap((n) => ['-ex', `printf "${n}=%ld\\n", (long)&${n} - (long)$rbp`]), '-ex', 'info proc mappings', '-ex', 'kill', binary], { reject: false });
  const pc = BigInt(`0x${/^pc=([0-9a-f]+)$/m.exec(stdout)![1]}`);
  const fromRbp = Object.fromEntries(names.map((n) => [n, Number(new RegExp(`^${n}=(-?\\d+)$`, 'm').exec(stdout)![1])]));
  for (const m of stdout.matchAll(/^\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+\s+(\S+)$/gm)) {
    const [start, end, offset] = [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`), BigInt(`0x${m[3]}`)];
    if (m[4] === binary && pc >= start && pc < end) return { fileOffset: Number(pc - start + offset), fromRbp };
  }
  throw new Error(`gdb stopped at 0x${pc.toString(16)}, in no mapping of ${binary}:\n${stdout}`);
}

test.each(['trace', 'trace-nopie'])("seed 003's %s at -O0: main's line 38 (the talk's 36) and traceme2's line 27 sit at gdb's breakpoints, as file offsets; $ret, $x, $number are where gdb finds them", async (name) => {
  const binary = `${dir}/${name}`;
  const plan = buildPlan(
    spec(
      `  - on: process("${binary}").statement("main@trace.c:38")\n    do: log("ret val here is %d", $ret)\n` +
        `  - on: ustatement:${binary}:traceme2@trace.c:27\n    if: $x == 5\n    do: $number = 1\n`,
    ),
    fakeKernelFacts(),
  );
  const [atMain, atTraceme2] = plan.probes;
  if (atMain?.kind !== 'ustatement' || atTraceme2?.kind !== 'ustatement') throw new Error('not user statements');
  const local = (p: typeof atMain, n: string) => {
    const t = p.targets.find((x) => x.name === `$${n}`)!;
    if (t.access.kind !== 'local') throw new Error(`${n} is not a local`);
    return { ctype: t.ctype, writable: t.writable, where: t.access.sites.map((s) => s.where) };
  };
  const main = await gdbStop(binary, 38, ['ret']);
  expect(atMain.sites.map((s) => s.offset)).toEqual([main.fileOffset]);
  expect(local(atMain, 'ret')).toEqual({ ctype: 's32', writable: true, where: [{ kind: 'memory', at: { base: 'bp', offset: main.fromRbp.ret } }] });
  const traceme2 = await gdbStop(binary, 27, ['x', 'number']);
  expect(atTraceme2.sites.map((s) => s.offset)).toEqual([traceme2.fileOffset]);
  expect(local(atTraceme2, 'x').where).toEqual([{ kind: 'memory', at: { base: 'bp', offset: traceme2.fromRbp.x } }]);
  expect(local(atTraceme2, 'number').where).toEqual([{ kind: 'memory', at: { base: 'bp', offset: traceme2.fromRbp.number } }]);
  // The seed's note: $ret is DW_OP_fbreg -20 with the CFA at rbp+16.
  expect(atMain.targets.find((t) => t.name === '$ret')!.access).toMatchObject({ sites: [{ dwarf: 'DW_OP_fbreg -20' }] });
  expect(atMain.statement.sites[0]!.cfa).toEqual({ base: 'bp', offset: 16 });

  // The locals are the task's memory: the user reader and writer; the handler gets its site and the address as linked.
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain(`case 0: return guru_read_user(ctx, ctx->regs->bp - ${-main.fromRbp.ret}, 4, value);`);
  expect(c).toContain(`case 0: return guru_write_user(ctx, ctx->regs->bp - ${-traceme2.fromRbp.number}, 4, value);`);
  expect(c).toContain(`(regs, "main", 0, ${atMain.statement.sites[0]!.address}UL);`);
  expect(c).toContain('ctx->slide = regs->ip - link_address;');
  expect(c).toContain(`.offset = 0x${main.fileOffset.toString(16)},`);
});

test("guru list 'ustatement:PATH:FUNC@FILE:*' lists main's lines as for the kernel: the ones without code say why", () => {
  const listed = listProbePoints(parseListPattern(`ustatement:${dir}/trace:main@trace.c:*`), fakeKernelFacts(), { verbose: true });
  expect(listed.entries.map((e) => `${e.point.replaceAll(dir, 'DIR')}${e.refused ? ` - ${e.refused.replaceAll(dir, 'DIR')}` : ''}`)).toEqual([
    'ustatement:DIR/trace:main@trace.c:35 - line 35 has no code in main on DIR/trace (optimised away, or not where a statement starts)',
    ...[36, 37, 38, 39, 40, 41, 42].map((l) => `ustatement:DIR/trace:main@trace.c:${l}`),
  ]);
  expect(listed.entries.find((e) => e.point.endsWith(':38'))!.details!.join('\n')).toContain('$ret: int (writable)\n      0: in memory at rbp-4  [DW_OP_fbreg -20]');
});

test('what cannot be used says why and where, located: a line without code, $return, an entry value at -O2 (in smaller, inlined), a function the DWARF lacks', () => {
  const text = refusalText(() =>
    buildPlan(
      spec(
        `  - on: ustatement:${dir}/trace:main@trace.c:34\n    do: log("x")\n` +
          `  - on: ustatement:${dir}/trace:main@trace.c:38\n    do: log("%d", $return)\n` +
          `  - on: ustatement:${dir}/trace-o2:traceme2@trace.c:10\n    do: log("%d", $x)\n` +
          `  - on: ustatement:${dir}/trace:tracem@trace.c:20\n    do: log("x")\n`,
      ),
      fakeKernelFacts(),
    ),
  ).replaceAll(dir, 'DIR');
  expect(text).toContain('line 34 has no code in main on DIR/trace (optimised away, or not where a statement starts)');
  expect(text).toContain('hint: lines of trace.c with code in main: 36-42; the nearest is ustatement:DIR/trace:main@trace.c:36');
  expect(text).toContain('$return is only available in return probes, not at ustatement:DIR/trace:main@trace.c:38');
  expect(text).toContain('hint: use uretprobe:DIR/trace:main');
  expect(text).toMatch(/\$x cannot be read at every address of ustatement:DIR\/trace-o2:traceme2@trace.c:10: .*it is the value rdi had on entry to traceme2, which guru captures at kernel statement probes only/);
  expect(text).toContain('no function tracem in the debug information of DIR/trace');
  expect(text).toContain('did you mean ustatement:DIR/trace:traceme@trace.c:20');
});

test('a program whose DWARF is in a separate debug file: call-frame information comes from the program (the debug copy of .eh_frame is empty)', async () => {
  await execa('objcopy', ['--only-keep-debug', `${dir}/trace`, `${dir}/trace.debug`]);
  const together = openProgramDebuginfo(`${dir}/trace`);
  const apart = openProgramDebuginfo(`${dir}/trace.debug`, { code: `${dir}/trace` });
  try {
    const [fn] = apart.findFunctions('main');
    const [row] = apart.lineAddresses(fn!, 'trace.c', 38);
    expect(apart.cfaAt(row!.address)).toEqual(together.cfaAt(row!.address));
    expect(apart.cfaAt(row!.address)).toBeDefined();
    expect(apart.variablesAt(row!.address).map((v) => v.name)).toEqual(['ret']);
  } finally {
    together.close();
    apart.close();
  }
});

test('a line range (traceme2@trace.c:25-30) and * (every line of main) probe each line with code, at gdb\'s breakpoints; read-only; formats round-trip', async () => {
  const binary = `${dir}/trace`;
  const plan = buildPlan(
    spec(`  - on: ustatement:${binary}:traceme2@trace.c:25-30\n    do: log("%d %d", $x, $number)\n  - on: process("${binary}").statement("main@trace.c:*")\n    do: log("%d", $ret)\n`),
    fakeKernelFacts(),
  );
  const [range, all] = plan.probes;
  if (range?.kind !== 'ustatement' || all?.kind !== 'ustatement') throw new Error('not user statements');
  // Lines 26 and 29 have no code: skipped.
  expect(range.statement.lines).toEqual([25, 27, 28, 30]);
  const stops = await Promise.all([25, 27, 28, 30].map((l) => gdbStop(binary, l, [])));
  // gdb's breakpoint is the line's first address; a line may have more (none here at -O0).
  expect(range.sites.map((s) => s.offset)).toEqual(stops.map((s) => s.fileOffset));
  expect(range.targets.map((t) => `${t.name}:${t.writable}`)).toEqual(['$x:false', '$y:false', '$number:false']);
  expect(all.statement.lines).toEqual([36, 37, 38, 39, 40, 41, 42]);
  expect(plan.probes.map((p) => p.canonical.replaceAll(dir, 'DIR'))).toEqual(['ustatement:DIR/trace:traceme2@trace.c:25-30', 'ustatement:DIR/trace:main@trace.c:*']);
  const text = [
    refusalText(() => buildPlan(spec(`  - on: ustatement:${binary}:traceme2@trace.c:25-30\n    do: $number = 1\n  - on: ustatement:${binary}:traceme2@trace.c:5-9\n    do: log("x")\n`), fakeKernelFacts())),
    refusalText(() => buildPlan(spec(`  - on: ustatement:${binary}:traceme2@trace.c:30-25\n    do: log("x")\n  - on: statement:ksys_write@fs/read_write.c:600-610\n`), fakeKernelFacts())),
  ].join('\n').replaceAll(dir, 'DIR');
  expect(text).toContain('cannot write $number at ustatement:DIR/trace:traceme2@trace.c:25-30: a probe on several lines (25, 27-28, 30) only reads');
  expect(text).toContain('hint: write it at one line: ustatement:DIR/trace:traceme2@trace.c:25');
  expect(text).toContain('no line of 5-9 has code in traceme2 of trace.c');
  expect(text).toContain('hint: lines of trace.c with code in traceme2: 24-25, 27-28, 30, 32-33');
  expect(text).toContain('a line range runs upwards: 30-25');
  expect(text).toContain('line ranges are for user statements (ustatement:) only');
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain(`(regs, "traceme2", 3, ${range.statement.sites[3]!.address}UL);`);
});

test('SystemTap\'s source-file filter: function("*@trace.c") and function("*/programs/trace.c") are the functions gdb lists under trace.c; traceme@trace.c is traceme, typed; located refusal', async () => {
  const binary = `${dir}/trace`;
  const { stdout } = await execa('gdb', ['-batch', '-nx', '-ex', 'info functions', binary]);
  const inFile = stdout.split(/\n\n/).find((b) => /^File .*trace\.c:/.test(b))!;
  const expected = [...inFile.matchAll(/^\d+:\s+.*?\b(\w+)\(/gm)].map((m) => m[1]!).sort();
  expect(expected).toEqual(['larger', 'main', 'smaller', 'traceme', 'traceme2']);
  const plan = buildPlan(
    spec(
      `  - on: process("${binary}").function("*@trace.c").call\n    do: log("-> %s", func)\n` +
        `  - on: process("${binary}").function("*/programs/trace.c").return\n    do: log("<- %s %d", func, $return)\n` +
        `  - on: uprobe:${binary}:trace*@programs/trace.c\n` +
        `  - on: u:${binary}:traceme@trace.c\n    do: $a = 1\n`,
    ),
    fakeKernelFacts(),
  );
  const funcs = (i: number) => (plan.probes[i] as { sites: { func: string }[] }).sites.map((s) => s.func).sort();
  expect(funcs(0)).toEqual(expected);
  expect(funcs(1)).toEqual(expected);
  expect(funcs(2)).toEqual(['traceme', 'traceme2']);
  expect(plan.probes[3]!.targets.map((t) => `${t.name}:${t.ctype}:${t.writable}`)).toEqual(['$a:int:true', '$b:int:true']);
  // The spellings round-trip through guru's canonical form.
  expect(plan.probes.map((p) => p.canonical.replaceAll(dir, 'DIR'))).toEqual([
    'uprobe:DIR/trace:*@trace.c',
    'uretprobe:DIR/trace:*/programs/trace.c',
    'uprobe:DIR/trace:trace*@programs/trace.c',
    'uprobe:DIR/trace:traceme@trace.c',
  ]);
  const text = refusalText(() => buildPlan(spec(`  - on: process("${binary}").function("*@trase.c")\n  - on: uprobe:${dir}/trace:*@/x/*.c\n`), fakeKernelFacts())).replaceAll(dir, 'DIR');
  expect(text).toContain('no function of DIR/trace is declared in a file trase.c names');
  expect(text).toMatch(/hint: its functions are declared in \S*trace\.c \(did you mean @trace\.c\?\)/);
  expect(text).toContain('no function of DIR/trace is declared in a file /x/*.c names');
});

test('a static local (DW_OP_addr) at a user statement is at the address gdb gives it, moved by the load bias at run time (PIE and non-PIE)', async () => {
  const source = path.resolve('test/fixtures/programs/statics.c');
  for (const [name, flags] of [['statics', []], ['statics-nopie', ['-no-pie']]] as const) {
    const binary = `${dir}/${name}`;
    await execa('gcc', ['-g', '-O0', ...flags, '-o', binary, source]);
    const { stdout } = await execa('gdb', ['-batch', '-nx', '-ex', 'info scope bump', binary]);
    const at = /Symbol calls is in static storage at address (0x[0-9a-f]+)/.exec(stdout)![1];
    const plan = buildPlan(spec(`  - on: ustatement:${binary}:bump@statics.c:14\n    if: $calls == 3\n    do: $calls = 42\n`), fakeKernelFacts());
    const t = plan.probes[0]!.targets.find((x) => x.name === '$calls')!;
    if (t.access.kind !== 'local') throw new Error('not a local');
    expect({ name, where: t.access.sites[0]!.where, writable: t.writable }).toEqual({ name, where: { kind: 'static', address: at }, writable: true });
    const c = renderModule(plan).files['probes.c']!;
    expect(c).toContain(`case 0: return guru_write_user(ctx, ${at}UL + ctx->slide, 4, value);`);
    expect(c).toContain('ctx->slide = regs->ip - link_address;');
    // guru check and guru list -v: a user program's static moves by its load bias, not the kernel's KASLR slide.
    expect(describePlan(plan)).toContain(`0: at ${at} (plus the program's load bias)`);
    const listed = listProbePoints(parseListPattern(`ustatement:${binary}:bump@statics.c:14`), fakeKernelFacts(), { verbose: true });
    expect(JSON.stringify(listed)).toContain(`at ${at} (plus the program's load bias)`);
    expect(JSON.stringify(listed)).not.toContain('KASLR');
  }
});
