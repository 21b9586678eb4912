// Indexing p[i]: pointers to typed memory and arrays in structs, with the
// element's type and stride from BTF (built at test time from
// test/fixtures/btf) or, for a syscall argument BTF does not type, from its
// C type; reads through GURU_READ and writes through GURU_WRITE; and the
// located refusals.
import type { IrExpr } from '../../src/expr/ir.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

let fixture: BtfFixture;
beforeAll(() => {
  fixture = buildBtfFixture();
});
afterAll(() => fixture.cleanup());

function facts(): KernelFacts {
  const base = fakeKernelFacts(['cap_ptrace_access_check', 'ksys_write'], { btf: fixture.btf });
  const execveish = { name: 'execveish', symbol: '__x64_sys_execveish', args: [{ name: 'filename', ctype: 'const char __user *' }, { name: 'argv', ctype: 'const char __user *const __user *' }] };
  return { ...base, syscall: (n) => (n === 'execveish' ? execveish : base.syscall(n)), syscallNames: () => [...base.syscallNames(), 'execveish'] };
}

const spec = (on: string, item: string) => `guru: 1\nname: index\nvars:\n  i: { type: s64 }\nprobes:\n  - on: ${on}\n    do:\n      - '${item}'\n`;
const atChild = (item: string) => spec('kprobe:cap_ptrace_access_check', item);
const plan = (text: string): Plan => buildPlan(parseSpec('index.yaml', text), facts());

function show(e: IrExpr): string {
  switch (e.k) {
    case 'target':
      return e.target.name;
    case 'int':
      return e.value;
    case 'var':
      return 'i';
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'load':
      return `${e.space}:${e.ctype}[${show(e.addr)}]`;
    case 'readString':
      return `${e.space}_string(${show(e.addr)})`;
    default:
      return `<${e.k}>`;
  }
}

function logged(text: string): string {
  const a = plan(text).probes[0]!.actions[0]!;
  if (a.k !== 'log') throw new Error(a.k);
  return show(a.args[0]!);
}

function stored(text: string): string {
  const a = plan(text).probes[0]!.actions[0]!;
  if (a.k !== 'store') throw new Error(a.k);
  return `${a.space}:${a.ctype}[${show(a.addr)}] = ${show(a.value)}`;
}

// The fixture's task_struct: pid 0, comm[16] 4, parent 24, in 32 (deep +0, name[8] +8), counter (int *) 64.
test.each([
  ['$child->comm[0]', 'kernel:s8[($child + 4)]'],
  ['$child->comm[15]', 'kernel:s8[($child + 19)]'],
  ['$child->comm[i]', 'kernel:s8[(($child + 4) + (i * 1))]'],
  ['$child->parent->in.name[3]', 'kernel:s8[(kernel:u64[($child + 24)] + 43)]'],
  ['$child->counter[2]', 'kernel:s32[(kernel:u64[($child + 64)] + 8)]'],
  ['$child->counter[i]', 'kernel:s32[(kernel:u64[($child + 64)] + (i * 4))]'],
  ['$child->counter[-1]', 'kernel:s32[(kernel:u64[($child + 64)] + -4)]'],
  ['$child[1].pid', 'kernel:s32[($child + 88)]'],
  ['current->comm[1]', 'kernel:s8[(<builtin> + 5)]'],
  ['@cast($child->parent, "task_struct")[2].small', 'kernel:s16[(kernel:u64[($child + 24)] + 256)]'],
  ['((struct task_struct *)$child->parent)->comm[i]', 'kernel:s8[((kernel:u64[($child + 24)] + 4) + (i * 1))]'],
])('%s reads %s', (expr, shown) => {
  expect(logged(atChild(`log("%d", ${expr})`))).toBe(shown);
});

test('a syscall argument BTF does not type is indexed by its C type: argv[1] is a user pointer, argv[1][0] a char', () => {
  expect(logged(spec('syscall:execveish', 'log("%d", $argv[1])'))).toBe('user:u64[($argv + 8)]');
  expect(logged(spec('syscall:execveish', 'log("%d", $argv[1][0])'))).toBe('user:s8[user:u64[($argv + 8)]]');
  expect(logged(spec('syscall:execveish', 'log("%d", $filename[i])'))).toBe('user:s8[($filename + (i * 1))]');
  expect(logged(spec('syscall:execveish', 'log("%s", user_string($argv[1]))'))).toBe('user_string(user:u64[($argv + 8)])');
});

test.each([
  ['$child->comm[0] = 88', 'kernel:s8[($child + 4)] = 88'],
  ['$child->counter[i] = 7', 'kernel:s32[(kernel:u64[($child + 64)] + (i * 4))] = 7'],
  ['$child->comm[1] += 1', 'kernel:s8[($child + 5)] = (kernel:s8[($child + 5)] + 1)'],
  ['current->comm[0] = 120', 'kernel:s8[(<builtin> + 4)] = 120'],
])('%s stores %s', (item, shown) => {
  expect(stored(atChild(item))).toBe(shown);
});

test('reads and writes of elements go through GURU_READ and GURU_WRITE', () => {
  const c = renderModule(plan(atChild('$child->counter[i] = $child->comm[2]'))).files['probes.c']!;
  expect(c).toContain('GURU_WRITE(kernel, ((s64)(s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 64), u64, 8) + ((s64)atomic64_read(&guru_globals[GVAR_i]) * 4)), s32, (s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 6), s8, 8), 8);');
  expect(c).toMatch(/^fault:$/m);
});

test.each([
  ['indexing an integer target', atChild('log("%d", $mode[0])')],
  ['indexing an integer member', atChild('log("%d", $child->pid[0])')],
  ['indexing a var', atChild('log("%d", i[0])')],
  ['indexing current', atChild('log("%d", current[0])')],
  ['a string index', atChild('log("%d", $child->comm["a"])')],
  ['a constant index past a fixed array', atChild('log("%d", $child->comm[16])')],
  ['a negative constant index into a fixed array', atChild('log("%d", $child->in.name[-1])')],
  ['indexing a void pointer', atChild('log("%d", $child->opaque[0])')],
  ['writing an element at a wildcard probe', spec('kprobe:cap_*', '$child->comm[0] = 1')],
  ['writing an element in user memory', spec('syscall:execveish', '$argv[0] = 0')],
  ['a cast to a type the kernel lacks', atChild('log("%d", ((struct nothing *)$child)->x)')],
])('%s', (_, text) => {
  expect(refusalText(() => plan(text))).toMatchSnapshot();
});

test('NULL is a pointer-typed 0: compared with pointers as pointers are (unsigned)', () => {
  const p = plan(`guru: 1\nname: index\nprobes:\n  - on: kprobe:cap_ptrace_access_check\n    if: '$child->parent != NULL && $child->counter > NULL'\n    do: log("%d", $child->parent == NULL)\n`);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('((s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 24), u64, 5) != 0)');
  expect(c).toContain('((u64)(s64)GURU_READ(kernel, ((s64)(s64)(unsigned long)GURU_ARG(0) + 64), u64, 5) > 0ULL)');
  expect(refusalText(() => plan(atChild('NULL = 1')))).toContain('error: NULL is a constant');
});
