// SystemTap's and bpftrace's words (src/expr/words.ts) compile to guru's:
// what each becomes (builtins, targets, text values and how they are
// carried), and the refusals, which name guru's word. Diagnostics are
// snapshotted as the text `guru check` prints.
import fs from 'node:fs';
import type { IrExpr, IrStmt } from '../../src/expr/ir.js';
import { WORDS, wordSpelling } from '../../src/expr/words.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { parseSpec } from '../../src/parseSpec.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SYMBOLS = ['vfs_read', 'cap_ptrace_access_check', '__ptrace_may_access', 'ptrace_may_access', '__x64_sys_read', 'ksys_read'];

const spec = (probes: string, extra = ''): string => `guru: 1\nname: words\n${extra}probes:\n${probes}`;
const plan = (text: string): Plan => buildPlan(parseSpec('words.yaml', text), fakeKernelFacts(SYMBOLS));
const diagnose = (text: string): string => refusalText(() => plan(text));
const log = (p: Plan, probe: number, item = 0): IrStmt & { k: 'log' } => p.probes[probe]!.actions[item] as IrStmt & { k: 'log' };

test('SystemTap\'s task and probe functions are guru\'s builtins', () => {
  const p = plan(spec(`  - on: kernel.function("vfs_read")\n    do: printf("%d %d %d %d %d %d %d %s %s %s %s\\n", uid(), gid(), euid(), pid(), tid(), ppid(), cpu(), execname(), probefunc(), ppfunc(), pp())\n`));
  const args = log(p, 0).args;
  expect(args.map((a) => (a.k === 'builtin' || a.k === 'strBuiltin' ? a.name : a.k === 'str' ? `"${a.value}"` : a.k))).toEqual(['uid', 'gid', 'euid', 'pid', 'tid', 'ppid', 'cpu', 'comm', 'func', 'func', '"kernel.function("vfs_read")"']);
  expect(p.formats[0]).toMatchObject({ exact: true, args: ['int', 'int', 'int', 'int', 'int', 'int', 'int', 'string', 'string', 'string', 'string'] });
});

test('printf prints exactly its format; log() and SystemTap\'s log(msg) are lines; println ends its values with a newline', () => {
  const p = plan(spec(`  - on: kretprobe:vfs_read\n    do:\n      - printf("%s -> ", probefunc())\n      - log(returnstr(1))\n      - log("%d", retval())\n      - println(probefunc(), " ", $return, " ", retval)\n`));
  expect(p.formats.map((f) => [f.fmt, f.exact ?? false])).toEqual([
    ['%s -> ', true],
    ['%s', false],
    ['%d', false],
    ['%s%s%d%s%d\n', true],
  ]);
  expect(p.formats[1]!.args).toEqual([{ returnStr: 1 }]);
  expect(log(p, 0, 2).args[0]).toMatchObject({ k: 'target', target: { name: '$return' } });
  // returnstr() shows errno names from the target's headers.
  expect(p.errnoNames).toMatchObject({ '1': 'EPERM', '2': 'ENOENT', '13': 'EACCES' });
});

test('stacks: print_backtrace() prints SystemTap\'s layout, kstack is bpftrace\'s, and both are recorded as addresses', () => {
  const p = plan(spec(`  - on: kernel.function("cap_ptrace_access_check")\n    do:\n      - print_backtrace()\n      - printf("%s -> %s\\n", probefunc(), print_backtrace())\n      - printf("[%s] [%s] [%s]\\n", kstack, kstack(3), kstack(raw, 2))\n      - backtrace()\n`));
  expect(p.formats[0]).toMatchObject({ fmt: '%s', exact: true, args: [{ stack: 'systemtap' }] });
  expect(p.formats[1]!.args).toEqual(['string', { stack: 'systemtap' }]);
  expect(p.formats[2]!.args).toEqual([{ stack: 'bpftrace' }, { stack: 'bpftrace', limit: 3 }, { stack: 'raw', limit: 2 }]);
  expect(p.probes[0]!.actions[3]).toMatchObject({ k: 'backtrace' });
  const c = renderModule(p).files['probes.c']!;
  expect(c.match(/guru_log_stack\(ctx\);/g)?.length).toBe(5);
  // No symbol is formatted in the kernel: no %pS anywhere in the generated C.
  expect(c).not.toMatch(/%p[sSB]/);
});

test('bpftrace\'s arg0..arg5 are the raw registers at a kprobe, even past the function\'s arity', () => {
  const p = plan(spec(`  - on: kprobe:__x64_sys_read\n    if: comm == "foo"\n    do: printf("hello read(%d, %s, %zu) %s/%d [%s]\\n", arg0, str(arg1), arg2, comm, pid, kstack)\n`));
  const [a0, s1, a2] = log(p, 0).args as IrExpr[];
  expect(a0).toMatchObject({ k: 'target', target: { name: 'arg0', ctype: 'long', access: { kind: 'kernelArg', index: 0 } } });
  expect(s1).toMatchObject({ k: 'tryString', space: 'any', orEmpty: true, max: { k: 'int', value: '64' }, addr: { k: 'target', target: { access: { index: 1 } } } });
  expect(a2).toMatchObject({ k: 'target', target: { access: { kind: 'kernelArg', index: 2 } } });
  const k = plan(spec(`  - on: kretprobe:ksys_read\n    do: printf("%d\\n", arg2)\n`));
  expect(log(k, 0).args[0]).toMatchObject({ k: 'target', target: { access: { kind: 'savedKernelArg', index: 2 } } });
});

test('str() reads user memory for __user pointers, by address otherwise; args->NAME is $NAME', () => {
  const p = plan(spec(`  - on: syscall:read:return\n    do: printf("%d %s %d %s\\n", args->fd, str(args->buf, $return), args.count, str($buf))\n`));
  const [fd, buf, count, buf2] = log(p, 0).args as IrExpr[];
  expect(fd).toMatchObject({ k: 'target', target: { name: '$fd' } });
  expect(buf).toMatchObject({ k: 'tryString', space: 'user' });
  expect(count).toMatchObject({ k: 'target', target: { name: '$count' } });
  expect(buf2).toMatchObject({ k: 'tryString', space: 'user', max: { value: '64' } });
});

test('the syscall tapset: name, argstr, retstr, $$vars, $$parms, $var$$', () => {
  const p = plan(
    spec(
      `  - on: syscall.chmod\n    do:\n      - printf("%s\\n%s\\n%s\\n", name, $$vars, argstr)\n      - printf("%s\\n%s\\n", $filename$$, $mode$$)\n      - printf("%s|%s\\n", $$vars$$, $$parms)\n` +
        `  - on: syscall.chmod.return\n    do: printf("%s\\n%s\\n%s %s\\n", name, $$vars, retstr, $$return)\n`,
    ),
  );
  const [name, vars, argstr] = log(p, 0).args;
  expect(name).toEqual({ k: 'str', value: 'chmod' });
  expect(p.formats[0]!.args).toEqual(['string', { sprintf: 'filename=%p mode=%p', args: ['int', 'int'] }, { sprintf: '%s, %#o', args: [{ quoted: true }, 'int'] }]);
  expect(vars).toMatchObject({ k: 'text', parts: [{ k: 'target', target: { name: '$filename' } }, { k: 'target', target: { name: '$mode' } }] });
  expect(argstr).toMatchObject({ k: 'text', parts: [{ k: 'target' }, { k: 'tryString', space: 'user', orEmpty: false }, { k: 'target', target: { name: '$mode' } }] });
  expect(p.formats[1]!.args).toEqual([{ quoted: true }, 'int']);
  expect(p.formats[2]!.args).toEqual([{ sprintf: 'filename=%s mode=%d', args: [{ quoted: true }, 'int'] }, { sprintf: 'filename=%p mode=%p', args: ['int', 'int'] }]);
  expect(p.formats[3]!.args).toEqual(['string', { sprintf: 'filename=%p mode=%p', args: ['int', 'int'] }, { returnStr: 1 }, { sprintf: 'return=%p', args: ['int'] }]);
});

test('sprintf(), user_string_quoted(), return_str(), exit(), the _n string functions', () => {
  const p = plan(spec(`  - on: syscall:openat:return\n    do:\n      - printf("%s %s %s %s\\n", sprintf("%s, %#o", user_string_quoted($filename), $mode), user_string_n($filename, 4), kernel_string_n($filename, 2), return_str(2, $return))\n      - exit()\n`));
  expect(p.formats[0]!.args).toEqual([{ sprintf: '%s, %#o', args: [{ quoted: true }, 'int'] }, 'string', 'string', { returnStr: 2 }]);
  expect(log(p, 0).args[1]).toMatchObject({ k: 'readString', space: 'user', max: { value: '5' } });
  expect(p.probes[0]!.actions[1]).toMatchObject({ k: 'stop' });
});

test('bpftrace\'s signal("KILL"), signal("SIGTERM"), signal(9) are raise()', () => {
  const p = plan(spec(`  - on: syscall:write\n    do:\n      - signal("KILL")\n      - signal("SIGTERM")\n      - signal(9)\n      - raise(SIGKILL)\n`));
  expect(p.probes[0]!.actions.map((a) => a.k === 'raise' && a.sig)).toEqual([9, 15, 9, 9]);
});

const REFUSED: [string, string][] = [
  ['bpftrace arg0 at a syscall probe names the argument', `  - on: syscall:write\n    do: printf("%d\\n", arg0)\n`],
  ['arg0 at a kprobe offset', `  - on: kprobe:vfs_read+0x5\n    do: printf("%d\\n", arg0)\n`],
  ['retval at an entry probe', `  - on: kprobe:vfs_read\n    do: printf("%d\\n", retval)\n`],
  ['retval() at a syscall entry', `  - on: syscall.chmod\n    do: printf("%d\\n", retval())\n`],
  ['execname without parentheses', `  - on: syscall:write\n    if: execname == "cat"\n`],
  ['a SystemTap function that takes no arguments, given one', `  - on: syscall:write\n    if: pid(1) == 1\n`],
  ['ustack at a timer', `  - on: timer:1s\n    do: printf("%s\\n", ustack)\n`],
  ['print_ubacktrace() at begin', `  - on: begin\n    do: print_ubacktrace()\n`],
  ['ubacktrace() at end', `  - on: end\n    do: ubacktrace()\n`],
  ['cmdline_str() at a timer', `  - on: timer:1s\n    do: log("%s", cmdline_str())\n`],
  ['cmdline_arg() at begin', `  - on: begin\n    do: log("%s", cmdline_arg(1))\n`],
  ['cmdline_arg() without its number', `  - on: syscall:write\n    do: log("%s", cmdline_arg())\n`],
  ['ustack(perf)', `  - on: syscall:write\n    do: printf("%s", ustack(perf))\n`],
  ['ustack compared', `  - on: syscall:write\n    if: ustack == "x"\n`],
  ['signal() of a name that is no signal', `  - on: syscall:write\n    do: signal("KILLME")\n`],
  ['print()', `  - on: syscall:write\n    do: print("x")\n`],
  ['name outside a syscall probe', `  - on: kprobe:vfs_read\n    do: printf("%s\\n", name)\n`],
  ['argstr outside a syscall probe', `  - on: kprobe:vfs_read\n    do: printf("%s\\n", argstr)\n`],
  ['a tapset variable that is an argument', `  - on: syscall:openat\n    do: printf("%s\\n", filename)\n`],
  ['args alone', `  - on: syscall:write\n    do: printf("%d\\n", args)\n`],
  ['text compared', `  - on: syscall:write\n    if: argstr == "x"\n`],
  ['text printed with %d', `  - on: syscall:write\n    do: printf("%d\\n", kstack)\n`],
  ['text stored in a var', `  - on: syscall:write\n    do: x = $$vars\n`, ],
  ['kstack mode', `  - on: syscall:write\n    do: printf("%s", kstack(perf))\n`],
  ['returnstr format', `  - on: syscall:write:return\n    do: log(returnstr(7))\n`],
  ['printf without a format', `  - on: syscall:write\n    do: printf($count)\n`],
  ['printf as a value', `  - on: syscall:write\n    do: log("%s", printf("x"))\n`],
  ['print_backtrace() with arguments', `  - on: syscall:write\n    do: print_backtrace(1)\n`],
  ['a floating-point conversion', `  - on: syscall:write\n    do: printf("%.2f\\n", $count)\n`],
  ['caller() at a kretprobe', `  - on: kretprobe:vfs_read\n    do: log("%s", caller())\n`],
  ['caller_addr() at a kprobe offset', `  - on: kprobe:vfs_read+0x5\n    do: log("%x", caller_addr())\n`],
  ['caller() at a syscall return', `  - on: syscall:write:return\n    do: log("%s", caller())\n`],
  ['caller() at a timer', `  - on: timer:1s\n    do: log("%s", caller())\n`],
  ['caller_addr() at begin', `  - on: begin\n    do: log("%d", caller_addr())\n`],
  ['caller() with an argument', `  - on: kprobe:vfs_read\n    do: log("%s", caller(1))\n`],
  ['too many values in one event', `  - on: syscall:openat\n    do: printf("%s %s %s %s %s %s %s %s %s\\n", argstr, argstr, argstr, argstr, $$vars, $$vars, $$vars, $$vars, $$vars)\n`],
];

test.each(REFUSED)('%s', (_what, probes) => {
  const extra = probes.includes('x = ') ? 'vars:\n  x:\n' : '';
  expect(diagnose(spec(probes, extra))).toMatchSnapshot();
});

test('user stacks and the command line compile to their parts at task probes', () => {
  const p = plan(spec(`  - on: syscall:write\n    do:\n      - printf("%s%s", ustack, ustack(3))\n      - print_ubacktrace()\n      - ubacktrace()\n      - log("%s %s", ubacktrace(), sprint_ubacktrace())\n      - log("%s|%s", cmdline_str(), cmdline_arg(1))\n  - on: kprobe:vfs_read\n    if: cmdline_arg(0) == "cat"\n    do: printf("%s", ustack(raw, 2))\n`));
  expect(p.formats.map((f) => f.args)).toEqual([
    [{ ustack: 'bpftrace' }, { ustack: 'bpftrace', limit: 3 }],
    [{ ustack: 'systemtap' }],
    ['int', 'int', { ustack: 'guru' }],
    [{ ustack: 'hex' }, { ustack: 'systemtap' }],
    ['string', 'string'],
    [{ ustack: 'raw', limit: 2 }],
  ]);
  expect(p.formats[2]!.fmt).toBe('ubacktrace at syscall:write [pid %d tid %d]:\n%s');
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('guru_log_ustack(ctx);');
  expect(c).toMatch(/guru_cmdline_str\(ctx, \d+\)/);
  expect(c).toMatch(/guru_cmdline_arg\(ctx, \d+, \(s64\)\(1\)\)/);
  expect(c).toMatch(/strcmp\(guru_cmdline_arg\(ctx, \d+, \(s64\)\(0\)\), "cat"\)/);
});

test('caller() and caller_addr() at a function\'s entry: the word at the stack pointer, read without faulting, named in user space', () => {
  const p = plan(spec(`  - on: kprobe:vfs_read\n    if: caller_addr() != 0\n    do: log("%s %x", caller(), caller_addr())\n  - on: syscall:read\n    do: log("%s", caller())\n`));
  const load = { k: 'load', space: 'kernel', ctype: 'u64', addr: { k: 'target', target: { access: { kind: 'c', c: 'ctx->regs->sp' } } } };
  expect(log(p, 0).args).toMatchObject([{ k: 'text', arg: { caller: 'kernel' }, parts: [load] }, load]);
  expect(p.formats.map((f) => f.args)).toEqual([[{ caller: 'kernel' }, 'int'], [{ caller: 'kernel' }]]);
  const c = renderModule(p).files['probes.c']!;
  // The kernel records the address only; kallsyms names it in the supervisor.
  expect(c).toContain('guru_log_int(ctx, (s64)GURU_READ(kernel, (s64)(unsigned long)ctx->regs->sp, u64, 6));');
  expect(c).toMatch(/if \(!\(\(s64\)GURU_READ\(kernel, \(s64\)\(unsigned long\)ctx->regs->sp, u64, 5\) != 0\)\)/);
});

test('docs/spec.md lists every word of the word table', () => {
  const doc = fs.readFileSync('docs/spec.md', 'utf8');
  const missing = WORDS.filter((w) => !doc.includes(`\`${wordSpelling(w).replace('()', '(')}`)).map((w) => wordSpelling(w));
  expect(missing).toEqual([]);
});

test('thread_indent() keeps a depth, a start time and one clock reading per thread, updated before the item', () => {
  const p = plan(spec(`  - on: kprobe:vfs_read\n    do: printf("%s -> %s\\n", thread_indent(1), probefunc())\n  - on: kretprobe:vfs_read\n    do: printf("%s <- %s\\n", thread_indent(-1), probefunc())\n`, 'vars:\n  mine: { type: u64, scope: thread }\n'));
  expect(p.vars.map((v) => `${v.name}:${v.scope}:${v.id}`)).toEqual(['mine:thread:0', '_thread_indent_depth:thread:1', '_thread_indent_start:thread:2', '_thread_indent_now:thread:3']);
  const item = p.probes[0]!.actions[0]!;
  expect(item.k).toBe('block');
  expect(item.k === 'block' && item.stmts.map((s) => s.k)).toEqual(['setVar', 'setVar', 'setVar', 'log']);
  expect(p.formats[0]!.args).toEqual([{ indent: true }, 'string']);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('GURU_TVAR_SET(TVAR__thread_indent_depth');
  // One clock reading per event: the start and the time shown are the same, so a thread's first event shows 0.
  expect(c.match(/guru_nsecs\(\)/g)).toEqual(['guru_nsecs()', 'guru_nsecs()']); // one per probe
  expect(c).toContain('GURU_DIV(((s64)guru_tvar_get(TVAR__thread_indent_now) - guru_tvar_get(TVAR__thread_indent_start)), 1000');
  expect(diagnose(spec(`  - on: kprobe:vfs_read\n    if: thread_indent(1) == "x"\n`))).toMatch(/thread_indent\(\) changes the indent; it belongs in do:, not in if:/);
});
