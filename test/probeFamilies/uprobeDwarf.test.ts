// Arguments by name from DWARF at uprobes, against programs compiled here:
// seed 003's trace.c (gcc -g -O0, PIE) and prototypes.c (-g -O2), whose
// functions put their arguments in every place the x86-64 System V
// convention has (the register each one reads is the convention's, the
// types are the source's); the debug file found by build-id once the
// binary is stripped; and without DWARF, $argN with a located diagnostic
// naming why $who is unknown.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { buildIdDebugPath, openUserDebuginfo } from '../../src/probeFamilies/uprobe/userDebuginfo.js';
import { readUserBinary } from '../../src/probeFamilies/uprobe/userFunctions.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const TRACE = path.resolve('test/fixtures/programs/trace.c');
const PROTOTYPES = path.resolve('test/fixtures/programs/prototypes.c');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-udwarf-'));
  await execa('gcc', ['-g', '-O0', '-o', `${dir}/trace`, TRACE]);
  await execa('gcc', ['-g', '-O2', '-o', `${dir}/prototypes`, PROTOTYPES]);
  await execa('gcc', ['-O2', '-o', `${dir}/nodebug`, PROTOTYPES]);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(probes: string) {
  return parseSpec('u.yaml', `guru: 1\nname: u\nprobes:\n${probes}`);
}

test('seed 003 at -O0: traceme\'s $a and $b are ints from DWARF, read from rdi and rsi at the entry (not the frame slots the prologue fills later)', () => {
  const plan = buildPlan(spec(`  - on: uprobe:${dir}/trace:traceme\n    do:\n      - log("%d %d", $a, $b)\n      - $b = 5\n  - on: uretprobe:${dir}/trace:traceme\n    do: log("%d", $return)\n`), fakeKernelFacts());
  expect(plan.probes.map((p) => p.targets.map((t) => `${t.name}:${t.ctype}${t.writable ? '=' : ''}`).join(' '))).toEqual(['$a:int= $b:int=', '$return:int=']);
  const c = renderModule(plan).files['probes.c']!;
  // The register is converted through the int's own width: the ABI leaves the upper half undefined.
  expect(c).toContain('guru_log_int(ctx, (s64)(s32)GURU_USER_ARG(0));');
  expect(c).toContain('guru_log_int(ctx, (s64)(s32)GURU_USER_ARG(1));');
  expect(c).toContain('GURU_USER_ARG(1) = (unsigned long)(s32)(5);');
  expect(c).toContain('(s64)(s32)regs_return_value(ctx->regs)');
});

test('-O2: a string, a narrow integer, a bool and a pointer in order; a double takes no integer register; a hidden struct-return pointer takes rdi; the seventh integer is on the stack', () => {
  const plan = buildPlan(
    spec(
      `  - on: uprobe:${dir}/prototypes:greet\n    do: log("%s %d %d %d", user_string($who), $n, $loud, $out)\n` +
        `  - on: uprobe:${dir}/prototypes:half\n    do: log("%d", $y)\n` +
        `  - on: uprobe:${dir}/prototypes:make_big\n    do: log("%d", $a)\n` +
        `  - on: uprobe:${dir}/prototypes:seven\n    do: log("%d", $f)\n`,
    ),
    fakeKernelFacts(),
  );
  expect(plan.probes.map((p) => p.targets.map((t) => `${t.name}:${t.ctype}`).join(' '))).toEqual([
    '$who:const char * $n:unsigned char $loud:_Bool $out:long int *',
    '$y:int',
    '$a:int',
    '$a:int $b:int $c:int $d:int $e:int $f:int',
  ]);
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain('GURU_USER_STRING(0, (s64)(unsigned long)GURU_USER_ARG(0)');
  expect(c).toContain('(s64)(u8)GURU_USER_ARG(1)');
  expect(c).toContain('(s64)(u8)GURU_USER_ARG(2)');
  expect(c).toContain('(s64)(unsigned long)GURU_USER_ARG(3)');
  // half(double x, int y): y is the first integer argument, in rdi.
  expect(c).toMatch(/probe1_[\s\S]*?\(s64\)\(s32\)GURU_USER_ARG\(0\)/);
  // struct big make_big(int a): rdi holds where the struct goes, a is in rsi.
  expect(c).toMatch(/probe2_[\s\S]*?\(s64\)\(s32\)GURU_USER_ARG\(1\)/);
  expect(c).toMatch(/probe3_[\s\S]*?\(s64\)\(s32\)GURU_USER_ARG\(5\)/);
});

test('what cannot be read says why, located; the positional aliases follow the names', () => {
  const text = refusalText(() =>
    buildPlan(
      spec(
        `  - on: uprobe:${dir}/prototypes:half\n    do: log("%d", $x)\n` +
          `  - on: uprobe:${dir}/prototypes:seven\n    do: log("%d", $g)\n` +
          `  - on: uprobe:${dir}/prototypes:after\n    do: log("%d", $z)\n` +
          `  - on: uretprobe:${dir}/prototypes:half\n    do: log("%d", $return)\n` +
          `  - on: uretprobe:${dir}/prototypes:greet\n    do: log("%d", $n)\n` +
          `  - on: uprobe:${dir}/prototypes:greet\n    do: log("%d", $arg5)\n` +
          `  - on: uprobe:${dir}/prototypes:greet\n    do: log("%d", $nn)\n` +
          `  - on: uprobe:${dir}/nodebug:greet\n    do: log("%s", user_string($who))\n`,
      ),
      fakeKernelFacts(),
    ),
  );
  expect(text.replaceAll(dir, 'DIR').replaceAll(process.cwd(), 'REPO').replace(/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug/g, '.build-id/BU/ILDID.debug')).toMatchSnapshot();
  // $arg2 is $n by another name: typed as it is.
  const c = renderModule(buildPlan(spec(`  - on: uprobe:${dir}/prototypes:greet\n    do: log("%d", $arg2)\n`), fakeKernelFacts())).files['probes.c']!;
  expect(c).toContain('guru_log_int(ctx, (s64)(u8)GURU_USER_ARG(1));');
});

test('a stripped binary whose debug file is under .build-id/ (as -dbgsym packages install it) gets the names from there', async () => {
  const root = path.join(dir, 'debug');
  const stripped = `${dir}/stripped`;
  fs.copyFileSync(`${dir}/prototypes`, stripped);
  const buildId = readUserBinary(stripped).buildId!;
  const debugFile = buildIdDebugPath(buildId, root);
  fs.mkdirSync(path.dirname(debugFile), { recursive: true });
  await execa('objcopy', ['--only-keep-debug', stripped, debugFile]);
  await execa('strip', ['--strip-debug', stripped]);
  const none = openUserDebuginfo(stripped, buildId, path.join(dir, 'elsewhere'));
  expect(none).toMatchObject({ why: expect.stringContaining(`no debuginfo for ${stripped}: it has no .debug_info, and there is no ${dir}/elsewhere/`) });
  const found = openUserDebuginfo(stripped, buildId, root);
  if (!('dwarf' in found)) throw new Error(found.why);
  try {
    expect(found.path).toBe(debugFile);
    const greet = readUserBinary(stripped).functions.get('greet')![0]!;
    expect(found.dwarf.prototypeAt(greet.address)?.declaration).toBe('int greet(const char *who, unsigned char n, _Bool loud, long int *out)');
  } finally {
    found.dwarf.close();
  }
});

test("guru list -v 'uprobe:PATH:*' shows each function's prototype and arguments from DWARF", async () => {
  const { stdout } = await execa('node', ['bin/guru.js', 'list', '-v', `uprobe:${dir}/trace:trace*`, '--kernel', 'debian:6.1']);
  expect(stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual([
    `uprobe:${dir}/trace:traceme int traceme(int a, int b)`,
    '$a int alias $arg1, writable',
    '$b int alias $arg2, writable',
    `uprobe:${dir}/trace:traceme2 int traceme2(int x, int y)`,
    '$x int alias $arg1, writable',
    '$y int alias $arg2, writable',
  ]);
}, 60_000);
