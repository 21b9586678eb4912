// kprobe/kretprobe arguments typed from BTF (built at test time from
// test/fixtures/btf): names, C types, $argN aliases, typed $return, and
// the diagnostics when a name is unknown or an argument cannot be read.
// Diagnostics are snapshotted as the text `guru check` prints.
import type { TargetVar } from '../../src/expr/ir.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnosticBag.js';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SYMBOLS = ['ksys_write', 'cap_ptrace_access_check', 'may_open_it', 'nothing_back', 'seven_args', 'by_value', 'pair_back', 'sign_of', 'name_of', 'no_args', 'asm_only'];

let fixture: BtfFixture;
beforeAll(() => {
  fixture = buildBtfFixture();
});
afterAll(() => fixture.cleanup());

function spec(probes: string): string {
  return `guru: 1\nname: typed\nprobes:\n${probes}`;
}

function plan(text: string, withBtf = true): Plan {
  return buildPlan(parseSpec('typed.yaml', text), fakeKernelFacts(SYMBOLS, { btf: withBtf ? fixture.btf : undefined }));
}

function diagnose(text: string, withBtf = true): string {
  return refusalText(() => plan(text, withBtf));
}

const shown = (ts: TargetVar[]) => ts.map((t) => `${t.name}: ${t.ctype} via ${t.registerCType ?? '-'}${t.writable ? ' (writable)' : ''}`);

test('kprobe arguments by name and C type, with $argN aliases for the same registers', () => {
  const p = plan(spec(`  - on: kprobe:ksys_write\n    do:\n      - log("%d %d %s", $fd, $arg3, user_string($buf))\n      - $count = 1\n`));
  expect(shown(p.probes[0]!.targets)).toEqual([
    '$fd: unsigned int via u32 (writable)',
    '$buf: const char * via unsigned long (writable)',
    '$count: size_t via u64 (writable)',
  ]);
  const log = p.probes[0]!.actions[0]!;
  expect(log.k === 'log' && log.args[1]!.k === 'target' && log.args[1]!.target).toMatchObject({ name: '$arg3', ctype: 'size_t', access: { kind: 'kernelArg', index: 2 } });
});

test('kretprobe: typed $return, entry arguments by name (read-only)', () => {
  const p = plan(spec(`  - on: kernel.function("cap_ptrace_access_check").return\n    do:\n      - log("%d %d", $mode, $return)\n`));
  expect(shown(p.probes[0]!.targets)).toEqual([
    '$child: struct task_struct * via unsigned long',
    '$mode: unsigned int via u32',
    '$return: int via s32 (writable)',
  ]);
});

test('an int $return is read as int in the generated C (-EPERM logs -1, not 4294967295), and written through it', () => {
  const c = renderModule(plan(spec(`  - on: kretprobe:cap_ptrace_access_check\n    do:\n      - log("%d", $return)\n      - $return = -EPERM\n  - on: kretprobe:may_open_it\n    do:\n      - log("%d", $return)\n`))).files['probes.c']!;
  expect(c).toContain('guru_log_int(ctx, (s64)(s32)regs_return_value(ctx->regs));');
  expect(c).toContain('regs_set_return_value(ctx->regs, (unsigned long)(s32)((-1)));');
  expect(c).toContain('guru_log_int(ctx, (s64)(u8)regs_return_value(ctx->regs));');
});

test('without BTF, kprobe arguments stay positional longs', () => {
  const p = plan(spec(`  - on: kprobe:ksys_write\n    do:\n      - log("%d", $arg3)\n`), false);
  expect(p.probes[0]!.targets.map((t) => `${t.name}: ${t.ctype}`)).toEqual(['$arg1: long', '$arg2: long', '$arg3: long', '$arg4: long', '$arg5: long', '$arg6: long']);
});

test('wildcards: each match is typed on its own; a match whose $return does not exist is left out, and a warning says so', () => {
  const text = spec(`  - on: kretprobe:*\n    do:\n      - log("%s %d", func, $return)\n`);
  const bag = new DiagnosticBag();
  const p = buildPlan(parseSpec('typed.yaml', text), fakeKernelFacts(SYMBOLS, { btf: fixture.btf }), bag);
  const probe = p.probes[0]!;
  const variants = probe.variants!;
  const byName = new Map(variants.map((v) => [v.label, v.targets.find((t) => t.name === '$return')]));
  expect(byName.get('cap_ptrace_access_check')).toMatchObject({ ctype: 'int', registerCType: 's32' });
  expect(byName.get('may_open_it')).toMatchObject({ ctype: '_Bool', registerCType: 'u8' });
  expect(byName.get('asm_only')).toMatchObject({ ctype: 'long' }); // no prototype in BTF: positional
  expect([...byName.keys()]).not.toContain('nothing_back');
  expect([...byName.keys()]).not.toContain('pair_back');
  expect(probe.kind === 'kretprobe' && probe.symbols).toEqual([...SYMBOLS].sort());
  expect(formatDiagnostics(bag.warnings(), text)).toMatchSnapshot();
  // One handler per match, each converting $return through its own type; one log format for all.
  const c = renderModule(p).files['probes.c']!;
  expect(c).toMatch(/static noinline void probe0_kretprobe_m1_run\(/);
  expect(c).toContain('guru_log_int(ctx, (s64)(s32)regs_return_value(ctx->regs));');
  expect(c).toContain('guru_log_int(ctx, (s64)(u8)regs_return_value(ctx->regs));');
  expect(p.formats).toHaveLength(1);
});

test('--max-probes caps the kernel probes a spec places, wildcard matches included', () => {
  const text = spec(`  - on: kretprobe:ksys_write\n  - on: kretprobe:*\n    do:\n      - log("%s", func)\n`);
  const facts = fakeKernelFacts(SYMBOLS, { btf: fixture.btf });
  expect(buildPlan(parseSpec('typed.yaml', text), facts, undefined, { maxProbes: 12 }).probes[1]!.variants).toHaveLength(SYMBOLS.length);
  expect(refusalText(() => buildPlan(parseSpec('typed.yaml', text), facts, undefined, { maxProbes: 11 }))).toMatchSnapshot();
});

const MISTAKES: [string, string, boolean?][] = [
  ['unknown argument: the real names are the hint', `  - on: kprobe:ksys_write\n    do:\n      - log("%d", $cnt)\n`],
  ['near miss of a real name', `  - on: kprobe:ksys_write\n    do:\n      - log("%d", $fds)\n`],
  ['a name without BTF: says why names are unknown', `  - on: kprobe:ksys_write\n    do:\n      - log("%d", $count)\n`, false],
  ['a function BTF does not know', `  - on: kprobe:asm_only\n    do:\n      - log("%d", $x)\n`],
  ['struct passed by value', `  - on: kprobe:sign_of\n    do:\n      - log("%d", $uid)\n`],
  ['struct by value through its positional alias', `  - on: kprobe:by_value\n    do:\n      - log("%d", $arg1)\n`],
  ['seventh argument on the stack', `  - on: kprobe:seven_args\n    do:\n      - log("%d", $a7)\n`],
  ['$argN beyond the arity', `  - on: kprobe:cap_ptrace_access_check\n    do:\n      - log("%d", $arg3)\n`],
  ['$return of a void function', `  - on: kretprobe:nothing_back\n    do:\n      - log("%d", $return)\n`],
  ['$return of a struct', `  - on: kretprobe:pair_back\n    do:\n      - $return = 0\n`],
  ['argument written at return', `  - on: kretprobe:ksys_write\n    do:\n      - $count = 1\n`],
  ['no arguments at all', `  - on: kprobe:no_args\n    do:\n      - log("%d", $arg1)\n`],
];

test.each(MISTAKES)('%s', (_, probes, withBtf = true) => {
  expect(diagnose(spec(probes), withBtf)).toMatchSnapshot();
});

describe('syscall arguments', () => {
  const withSyscall = (args: { name: string; ctype: string }[]) => {
    const facts = fakeKernelFacts(SYMBOLS);
    const frob = { name: 'frob', symbol: '__x64_sys_frob', args };
    return { ...facts, syscall: (n: string) => (n === 'frob' ? frob : facts.syscall(n)), syscallNames: () => [...facts.syscallNames(), 'frob'] };
  };

  test('are read through fixed-width types, never the typedefs of syscalls.h', () => {
    const p = buildPlan(parseSpec('typed.yaml', spec(`  - on: syscall:openat\n    do:\n      - log("%d %d %d", $dfd, $mode, $flags)\n      - $mode = 0600\n`)), fakeKernelFacts(SYMBOLS));
    expect(shown(p.probes[0]!.targets)).toEqual([
      '$dfd: int via s32 (writable)',
      '$filename: const char __user * via unsigned long (writable)',
      '$flags: int via s32 (writable)',
      '$mode: umode_t via u16 (writable)',
    ]);
    const c = renderModule(p).files['probes.c']!;
    expect(c).toContain('guru_log_int(ctx, (s64)(u16)GURU_SYS_ARG(3));');
    expect(c).toMatch(/GURU_SYS_SET_ARG\(3, \(unsigned long\)\(u16\)\(384\), \d+\);/);
    expect(c).not.toMatch(/umode_t|size_t/);
  });

  test('of a type guru does not know the width of are refused by name, the others still read', () => {
    const facts = withSyscall([
      { name: 'id', ctype: 'frob_id_t' },
      { name: 'len', ctype: 'size_t' },
    ]);
    const text = spec(`  - on: syscall:frob\n    do:\n      - log("%d", $len)\n`);
    expect(buildPlan(parseSpec('typed.yaml', text), facts).probes[0]!.targets.map((t) => t.name)).toEqual(['$len']);
    expect(refusalText(() => buildPlan(parseSpec('typed.yaml', spec(`  - on: syscall:frob\n    do:\n      - log("%d", $id)\n`)), facts))).toMatchSnapshot();
  });
});
