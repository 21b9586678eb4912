// Go functions at uprobes: arguments and results by name under Go's
// register ABI, against test/fixtures/programs/go/main.go built here with
// `go build -gcflags "-N -l"` (as seed 003's talk builds it), with gdb's
// reading of the DWARF location at each function's entry as the oracle for
// which register holds which argument.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { GO_ARG_REGISTERS } from '../../src/probeFamilies/uprobe/entryArguments.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { buildGoProgram } from '../helpers/goProgram.js';
import { refusalText } from '../helpers/specRefusal.js';

let dir: string;
let binary: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-ugo-'));
  binary = await buildGoProgram('test/fixtures/programs/go', dir);
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = (probes: string) => parseSpec('g.yaml', `guru: 1\nname: g\nprobes:\n${probes}`);

/** gdb's register for each argument at FUNC's entry ("a variable in $rax"), by name. */
async function gdbEntryRegisters(func: string): Promise<Map<string, string>> {
  const { stdout } = await execa('gdb', ['-batch', '-nx', '-ex', `info scope ${func}`, binary]);
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const sym = /^Symbol (\S+) is/.exec(line);
    if (sym) current = sym[1];
    const reg = /Base address (0x[0-9a-f]+)\s+Range \1-0x[0-9a-f]+: a variable in \$(\w+)(?! \[)/.exec(line);
    if (sym && / is a variable in \$(\w+)/.test(line)) out.set(current!, / is a variable in \$(\w+)/.exec(line)![1]!);
    if (reg && current) out.set(current, reg[2]!);
  }
  return out;
}

test("main.places: each integer and pointer argument is read from the register gdb finds it in at the entry; the string, the float and the tenth are refused with why", async () => {
  const plan = buildPlan(spec(`  - on: process("${binary}").function("main.places")\n    do: log("%d %d %d %d %d %d %d %d", $a, $b, $p, $c, $d, $e, $g, $arg1)\n`), fakeKernelFacts());
  const c = renderModule(plan).files['probes.c']!;
  const gdb = await gdbEntryRegisters('main.places');
  expect(gdb.size).toBeGreaterThanOrEqual(7); // the oracle read the locations
  const ours = new Map(plan.probes[0]!.targets.filter((t) => !t.name.startsWith('$arg')).map((t) => {
    const n = /GURU_GO_ARG\((\d)\)/.exec(t.access.kind === 'c' ? t.access.c : '')![1]!;
    return [t.name.slice(1), GO_ARG_REGISTERS[Number(n)]!];
  }));
  expect(Object.fromEntries(ours)).toEqual(Object.fromEntries([...gdb].filter(([name]) => ours.has(name))));
  expect([...ours.keys()]).toEqual(['a', 'b', 'p', 'c', 'd', 'e', 'g']);
  expect(c).toContain('guru_log_int(ctx, (s64)(s32)GURU_GO_ARG(3));'); // b int32 in rdi, at its own width
  const refused = (expr: string) => refusalText(() => buildPlan(spec(`  - on: process("${binary}").function("main.places")\n    do: log("%d", ${expr})\n`), fakeKernelFacts()));
  expect(refused('$s')).toContain('a Go string travels as a pointer and a length in two registers');
  expect(refused('$x')).toContain('float64 is floating point, passed in an X register');
  expect(refused('$h')).toContain('it is passed on the stack (only the first 9 integer arguments travel in registers)');
  expect(refused('$r')).toContain('it is a result of main.places, set when it returns');
});

test('seed 003: main.traceme has a return value, $return (and $ret by name), in rax at the return; the results of main.places in rax and rbx', () => {
  const plan = buildPlan(
    spec(
      `  - on: process("${binary}").function("main.traceme").return\n    do:\n      - log("%d %d", $return, $ret)\n      - $return = 42\n` +
        `  - on: process("${binary}").function("main.places").return\n    do: log("%d %d", $r, $q)\n`,
    ),
    fakeKernelFacts(),
  );
  expect(plan.probes.map((p) => p.targets.map((t) => `${t.name}:${t.ctype}${t.writable ? '=' : ''}`).join(' '))).toEqual(['$ret:int= $return:int=', '$r:int= $q:int= $return:int=']);
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain('GURU_GO_ARG(0)');
  expect(c).toContain('(s64)GURU_GO_ARG(1)'); // $q
});

test("guru list -v shows a Go function's prototype in Go's words, its arguments and registers' order", async () => {
  const { stdout } = await execa('node', ['bin/guru.js', 'list', '-v', `uprobe:${binary}:main.trace*`, '--kernel', 'debian:6.1']);
  expect(stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual([
    `uprobe:${binary}:main.traceme func main.traceme(a int, b int) (ret int)`,
    '$a int alias $arg1, writable',
    '$b int alias $arg2, writable',
  ]);
  const ret = await execa('node', ['bin/guru.js', 'list', '-v', `uretprobe:${binary}:main.traceme`, '--kernel', 'debian:6.1']);
  expect(ret.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual([
    `uretprobe:${binary}:main.traceme func main.traceme(a int, b int) (ret int)`,
    "$a int alias $arg1, unavailable: at return the registers hold main.traceme's results",
    "$b int alias $arg2, unavailable: at return the registers hold main.traceme's results",
    '$ret int writable',
    '$return int writable',
  ]);
}, 60_000);
