// Member access (`$child->parent->pid`, `$child->in.deep`) resolved through
// BTF (built at test time from test/fixtures/btf): offsets, widths and
// signedness of what is read, which memory it is read from, and the
// diagnostics for everything that cannot be read, as `guru check` prints them.
import type { IrExpr } from '../../src/expr/ir.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SYMBOLS = ['cap_ptrace_access_check', 'ksys_write'];

let fixture: BtfFixture;
beforeAll(() => {
  fixture = buildBtfFixture();
});
afterAll(() => fixture.cleanup());

function facts(withBtf = true): KernelFacts {
  const base = fakeKernelFacts(SYMBOLS, { btf: withBtf ? fixture.btf : undefined });
  // A syscall whose argument points to a struct in user memory, as syscalls.h declares it.
  const sleep = { name: 'sleepish', symbol: '__x64_sys_sleepish', args: [{ name: 'rqtp', ctype: 'const struct timespec_like __user *' }] };
  return { ...base, syscall: (n) => (n === 'sleepish' ? sleep : base.syscall(n)), syscallNames: () => [...base.syscallNames(), 'sleepish'] };
}

const spec = (on: string, item: string) => `guru: 1\nname: members\nprobes:\n  - on: ${on}\n    do:\n      - ${item}\n`;
const atChild = (item: string) => spec('kprobe:cap_ptrace_access_check', item);

function plan(text: string, withBtf = true): Plan {
  return buildPlan(parseSpec('members.yaml', text), facts(withBtf));
}

function diagnose(text: string, withBtf = true): string {
  return refusalText(() => plan(text, withBtf));
}

/** The one log() argument of the spec's one action. */
function logged(text: string): IrExpr {
  const action = plan(text).probes[0]!.actions[0]!;
  if (action.k !== 'log') throw new Error(`not a log: ${action.k}`);
  return action.args[0]!;
}

/** A readable form of an address expression: target + offsets, loads in brackets. */
function show(e: IrExpr): string {
  switch (e.k) {
    case 'target':
      return e.target.name;
    case 'int':
      return e.value;
    case 'binary':
      return `${show(e.left)} ${e.op} ${show(e.right)}`;
    case 'load':
      return `${e.space}:${e.ctype}[${show(e.addr)}]`;
    case 'readString':
      return `${e.space}_string(${show(e.addr)})`;
    default:
      return `<${e.k}>`;
  }
}

// The fixture's layout, as gcc lays it out on x86_64 (checked by pahole's BTF):
// pid 0, comm 4, parent 24, in 32 (deep +0, name +8), union 48, flag 56, counter 64, opaque 72, small 80.
test.each([
  ['$child->pid', 'kernel:s32[$child]'],
  ['$child->small', 'kernel:s16[$child + 80]'],
  ['$child->parent', 'kernel:u64[$child + 24]'],
  ['$child->parent->pid', 'kernel:s32[kernel:u64[$child + 24]]'],
  ['$child->parent->parent->small', 'kernel:s16[kernel:u64[kernel:u64[$child + 24] + 24] + 80]'],
  ['$child->in.deep', 'kernel:s64[$child + 32]'],
  ['$child->u_big', 'kernel:s64[$child + 48]'],
  ['$child.pid', 'kernel:s32[$child]'],
])('%s reads %s', (expr, shown) => {
  expect(show(logged(atChild(`log("%d", ${expr})`)))).toBe(shown);
});

test.each([
  ['current->pid', 'kernel:s32[<builtin>]'],
  ['task_current()->parent->pid', 'kernel:s32[kernel:u64[<builtin> + 24]]'],
  ['@cast($child, "task_struct")->small', 'kernel:s16[$child + 80]'],
  ['@cast($child->parent, "struct task_struct", "kernel")->pid', 'kernel:s32[kernel:u64[$child + 24]]'],
  ['@cast(4096, "task_struct", "kernel<linux/sched.h>")->in.deep', 'kernel:s64[4096 + 32]'],
])('%s reads %s', (expr, shown) => {
  expect(show(logged(atChild(`log("%d", ${expr})`)))).toBe(shown);
});

test('current is the task the probe runs in: get_current() in the C', () => {
  const c = renderModule(plan(atChild('current->small = 1'))).files['probes.c']!;
  expect(c).toContain('GURU_WRITE(kernel, ((s64)(s64)(unsigned long)get_current() + 80), s16, 1, 6);');
});

test('an array member is its address, so kernel_string() reads it', () => {
  expect(show(logged(atChild('log("%s", kernel_string($child->comm))')))).toBe('kernel_string($child + 4)');
  expect(show(logged(atChild('log("%s", kernel_string($child->parent->in.name))')))).toBe('kernel_string(kernel:u64[$child + 24] + 40)');
});

test('a syscall argument declared __user is read from user memory', () => {
  expect(show(logged(spec('syscall:sleepish', 'log("%d", $rqtp->tv_nsec)')))).toBe('user:s64[$rqtp + 8]');
});

test('the C reads through GURU_READ, which jumps to the fault label on a bad address', () => {
  const c = renderModule(plan(atChild('log("%d", $child->parent->pid)'))).files['probes.c']!;
  expect(c).toContain('GURU_READ(kernel, (s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 24), u64, 6), s32, 6)');
  expect(c).toMatch(/^fault:$/m);
});

/** The one action of the spec, a store through a pointer: where, as what, and the value. */
function stored(text: string): string {
  const action = plan(text).probes[0]!.actions[0]!;
  if (action.k !== 'store') throw new Error(`not a store: ${action.k}`);
  return `${action.space}:${action.ctype}[${show(action.addr)}] = ${show(action.value)}`;
}

test.each([
  ['$child->pid = 7', 'kernel:s32[$child] = 7'],
  ['$child->parent->small = 1', 'kernel:s16[kernel:u64[$child + 24] + 80] = 1'],
  ['$child->parent = 0', 'kernel:u64[$child + 24] = 0'],
  ['$child->in.deep |= 4', 'kernel:s64[$child + 32] = kernel:s64[$child + 32] | 4'],
  ['$child->pid++', 'kernel:s32[$child] = kernel:s32[$child] + 1'],
])('%s stores %s', (item, shown) => {
  expect(stored(atChild(item))).toBe(shown);
});

test('a store goes through GURU_WRITE (a bad address is a fault event), and the probe counts as writing', () => {
  const p = plan(atChild('$child->parent->pid = 1'));
  expect(p.probes[0]!.writes).toBe(true);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('GURU_WRITE(kernel, (s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 24), u64, 6), s32, 1, 6);');
  expect(c).toMatch(/^fault:$/m);
});

test('a spec without member access never loads BTF for syscall probes', () => {
  let loads = 0;
  const f = facts();
  const counting: KernelFacts = { ...f, btf: () => (loads++, f.btf!()) };
  buildPlan(parseSpec('members.yaml', spec('syscall:write', 'log("%d", $count)')), counting);
  expect(loads).toBe(0);
});

const MISTAKES: [string, string, boolean?][] = [
  ['unknown member, near a real one', atChild('log("%d", $child->pdi)')],
  ['unknown member: the members are the hint', atChild('log("%d", $child->zzzzzz)')],
  ['member of an integer member', atChild('log("%d", $child->pid->x)')],
  ['a struct member as a value', atChild('log("%d", $child->in)')],
  ['a bitfield', atChild('log("%d", $child->flag)')],
  ['through a pointer to int', atChild('log("%d", $child->counter->x)')],
  ['through a void pointer', atChild('log("%d", $child->opaque->x)')],
  ['member of a non-pointer argument', atChild('log("%d", $mode->x)')],
  ['member of a spec var', 'guru: 1\nname: members\nvars:\n  x: { type: u64 }\nprobes:\n  - on: begin\n    do:\n      - log("%d", x->y)\n'],
  ['writing a bitfield through a pointer', atChild('$child->flag = 1')],
  ['writing a struct member through a pointer', atChild('$child->in = 1')],
  ['writing an array member through a pointer', atChild('$child->comm = 1')],
  ['writing a string through a pointer', atChild('$child->pid = "x"')],
  ['writing through a pointer at a wildcard', spec('kprobe:cap_*', '$child->pid = 1')],
  ['writing user memory through a pointer', spec('syscall:sleepish', '$rqtp->tv_nsec = 0')],
  ['@cast to a type the kernel lacks', atChild('log("%d", @cast($child, "no_such_thing")->x)')],
  ['@cast with a type that is not a name', atChild('log("%d", @cast($child, 3)->x)')],
  ['@cast from a module', atChild('log("%d", @cast($child, "task_struct", "dccp")->pid)')],
  ['@cast without a type', atChild('log("%d", @cast($child)->pid)')],
  ['task_current() with an argument', atChild('log("%d", task_current(1)->pid)')],
  ['no BTF', atChild('log("%d", $child->pid)'), false],
  ['a char pointer syscall argument', spec('syscall:write', 'log("%d", $buf->len)')],
];

test.each(MISTAKES)('%s', (_, text, withBtf = true) => {
  expect(diagnose(text, withBtf)).toMatchSnapshot();
});
