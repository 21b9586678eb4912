// SystemTap's and bpftrace's words in guru expressions, so a
// snippet from an article runs as written: each word, what it is in guru's
// own words, and where it has a meaning. The expression compiler reads a
// bare name or a call through this table after the spec's own vars and
// params and guru's builtins; docs/spec.md shows the same tables (a test
// keeps the two in step).

export type WordOrigin = 'SystemTap' | 'bpftrace';

/** Words that are more than another spelling of a guru word: the compiler has a rule for each. */
export type WordRule =
  | 'printf'
  | 'println'
  | 'sprintf'
  | 'print_backtrace'
  | 'sprint_backtrace'
  | 'kstack'
  | 'ustack'
  | 'print_ubacktrace'
  | 'sprint_ubacktrace'
  | 'ubacktrace'
  | 'cmdline_str'
  | 'cmdline_arg'
  | 'returnstr'
  | 'return_str'
  | 'user_string_quoted'
  | 'kernel_string_quoted'
  | 'str'
  | 'thread_indent'
  | 'caller'
  | 'caller_addr'
  | 'argN'
  | 'args'
  | 'syscall_name'
  | 'argstr'
  | 'retstr'
  | 'context_vars'
  | 'signal';

export type WordMeaning =
  /** Another spelling of a guru word: a builtin (`comm`), a target (`$return`) or a call (`stop()`). */
  | { alias: string }
  | { rule: WordRule }
  /** A word guru does not have (yet): refused, saying what to write instead. */
  | { refused: string; hint: string };

export interface Word {
  /** As written, without arguments. */
  name: string;
  /** A bare name (`comm`) or a call (`execname()`). */
  form: 'name' | 'call';
  origin: WordOrigin[];
  /** What it is in guru's words, for docs and messages. */
  guru: string;
  /** The probes where it has a meaning. */
  valid: string;
  means: WordMeaning;
}

const EVERY = 'every probe';
/** Words about the probed task or code: a timer probe has neither (src/expr/handlerContext.ts). */
const NOT_TIMERS = 'every probe but timer:';
const RETURNS = 'return probes (kretprobe:, syscall:NAME:return)';
/** Words about the user side of the probed task (its user stack, its argv): a timer has no task, begin and end are guru's own. */
const USER_TASK = 'every probe but timer:, begin and end';
/** Where the word at the stack pointer is the return address into the caller (ProbeFamily.callerAt). */
const ENTRIES = 'a function\'s entry: kprobe:FUNC (offset 0), syscall:NAME, uprobe:PATH:FUNC';

const w = (name: string, form: Word['form'], origin: WordOrigin[], guru: string, valid: string, means: WordMeaning): Word => ({ name, form, origin, guru, valid, means });
const alias = (to: string): WordMeaning => ({ alias: to });
const rule = (r: WordRule): WordMeaning => ({ rule: r });
const ST: WordOrigin[] = ['SystemTap'];
const BT: WordOrigin[] = ['bpftrace'];
const BOTH: WordOrigin[] = ['SystemTap', 'bpftrace'];

export const WORDS: readonly Word[] = [
  // SystemTap: the task and the probe.
  w('uid', 'call', ST, 'uid', NOT_TIMERS, alias('uid')),
  w('gid', 'call', ST, 'gid', NOT_TIMERS, alias('gid')),
  w('euid', 'call', ST, 'euid', NOT_TIMERS, alias('euid')),
  w('pid', 'call', ST, 'pid', NOT_TIMERS, alias('pid')),
  w('tid', 'call', ST, 'tid', NOT_TIMERS, alias('tid')),
  w('ppid', 'call', ST, 'ppid', NOT_TIMERS, alias('ppid')),
  w('cpu', 'call', ST, 'cpu', EVERY, alias('cpu')),
  w('execname', 'call', ST, 'comm', NOT_TIMERS, alias('comm')),
  w('probefunc', 'call', ST, 'func', NOT_TIMERS, alias('func')),
  w('ppfunc', 'call', ST, 'func', NOT_TIMERS, alias('func')),
  w('pfunc', 'call', ST, 'func', NOT_TIMERS, alias('func')),
  w('pp', 'call', ST, 'probe', EVERY, alias('probe')),
  w('retval', 'call', ST, '$return', RETURNS, alias('$return')),
  w('returnval', 'call', ST, '$return', RETURNS, alias('$return')),
  w('returnstr', 'call', ST, '$return shown as SystemTap does: -13 (EACCES), or decimal (1), hex (2), octal (3)', RETURNS, rule('returnstr')),
  w('return_str', 'call', ST, 'like returnstr(), of any value: return_str(1, $return)', EVERY, rule('return_str')),
  // SystemTap: output.
  w('printf', 'call', BOTH, 'log(), printing exactly what the format says (no newline added)', EVERY, rule('printf')),
  w('println', 'call', ST, 'its arguments one after the other, then a newline', EVERY, rule('println')),
  w('sprintf', 'call', ST, 'a format applied to its arguments, as a string to print', EVERY, rule('sprintf')),
  w('print_backtrace', 'call', ST, 'the kernel stack, printed as SystemTap does (" 0x... : func+0x7/0x49 [kernel]" per frame)', NOT_TIMERS, rule('print_backtrace')),
  w('sprint_backtrace', 'call', ST, 'the same stack as a string to print', NOT_TIMERS, rule('sprint_backtrace')),
  w('exit', 'call', BOTH, 'stop()', EVERY, alias('stop')),
  // SystemTap: strings.
  w('user_string_n', 'call', ST, 'user_string(p, n)', NOT_TIMERS, alias('user_string')),
  w('kernel_string_n', 'call', ST, 'kernel_string(p, n)', EVERY, alias('kernel_string')),
  w('user_string_quoted', 'call', ST, 'user_string(p) in double quotes with C escapes; NULL for 0, the address if unreadable (never a fault)', NOT_TIMERS, rule('user_string_quoted')),
  w('user_string_n_quoted', 'call', ST, 'user_string_quoted() of at most n characters', NOT_TIMERS, rule('user_string_quoted')),
  w('kernel_string_quoted', 'call', ST, 'the same for a kernel address', EVERY, rule('kernel_string_quoted')),
  w('caller', 'call', ST, '"NAME 0xADDR": the function that called the probed one and the return address into it (the word at the stack pointer at entry), named in user space from kallsyms or the process\'s maps', ENTRIES, rule('caller')),
  w('caller_addr', 'call', ST, 'the return address into the caller, as an integer', ENTRIES, rule('caller_addr')),
  w('thread_indent', 'call', ST, '"<usecs> <comm>(<tid>):" and an indent that grows by n per call, per thread', EVERY, rule('thread_indent')),
  // SystemTap: context variables and the syscall tapset.
  w('$$vars', 'name', ST, 'every readable $name as name=0x... (with $$ after it: pretty, strings quoted)', 'probes with target variables', rule('context_vars')),
  w('$$parms', 'name', ST, 'the function arguments as name=0x...', 'probes with target variables', rule('context_vars')),
  w('$$locals', 'name', ST, 'the statement-probe locals as name=0x...', 'statement: probes', rule('context_vars')),
  w('$$return', 'name', ST, '$return as return=0x...', RETURNS, rule('context_vars')),
  w('$NAME$$', 'name', ST, '$NAME pretty-printed: a string pointer as a quoted string, an integer in decimal', 'probes with target variables', rule('context_vars')),
  w('name', 'name', ST, 'the syscall\'s name ("chmod")', 'syscall:NAME, syscall:NAME:return', rule('syscall_name')),
  w('argstr', 'name', ST, 'the arguments as SystemTap prints them: "anaconda-ks.cfg", 0777 (strings quoted, modes octal, numbers decimal, pointers hex)', 'syscall:NAME, syscall:NAME:return', rule('argstr')),
  w('retstr', 'name', ST, 'returnstr(1): -2 (ENOENT), or the value', RETURNS, rule('retstr')),
  w('print', 'call', BOTH, 'nothing: SystemTap prints without a newline, bpftrace with one', EVERY, {
    refused: 'print() of a value means different things in SystemTap (no newline) and bpftrace (a line), so guru has neither; print(@map) shows a map',
    hint: 'write printf("%s", x) or printf("%d", x) for SystemTap\'s print(), println(x) for a line',
  }),
  w('print_ubacktrace', 'call', ST, 'the user stack of the probed task, printed as SystemTap does (" 0x... : func+0x4/0x1a [/path]" per frame)', USER_TASK, rule('print_ubacktrace')),
  w('sprint_ubacktrace', 'call', ST, 'the same user stack as a string to print', USER_TASK, rule('sprint_ubacktrace')),
  w('ubacktrace', 'call', ST, "the user stack's addresses in hex, separated by spaces; as a do: item of its own, guru's ubacktrace() (a frame per line)", USER_TASK, rule('ubacktrace')),
  w('cmdline_str', 'call', ST, "the process's arguments (argv) joined by spaces, at most 255 bytes", USER_TASK, rule('cmdline_str')),
  w('cmdline_arg', 'call', ST, 'argument N of the process (argv[N]; 0 is the program as run), "" past the end', USER_TASK, rule('cmdline_arg')),
  // bpftrace: the task and the probe (comm pid tid uid gid cpu nsecs func probe are guru's own words too).
  w('retval', 'name', BT, '$return', RETURNS, alias('$return')),
  w('arg0 ... arg5', 'name', BT, 'the raw argument registers in C order ($arg1 ... $arg6, untyped)', 'kprobe:FUNC (offset 0), kretprobe:FUNC (as saved at entry)', rule('argN')),
  w('args', 'name', BT, 'args->NAME (or args.NAME) is $NAME', 'probes with named target variables (syscall:, kprobe: with BTF, tracepoints)', rule('args')),
  w('kstack', 'call', BT, 'kstack(N): N frames at most; kstack(raw), kstack(bpftrace, N): the layout', NOT_TIMERS, rule('kstack')),
  w('kstack', 'name', BT, 'the kernel stack as bpftrace prints it (a frame per line, func+offset); kstack(N) keeps N frames, kstack(raw) shows addresses', NOT_TIMERS, rule('kstack')),
  w('str', 'call', BT, 'the string at a pointer (user or kernel memory, by type or address), at most 63 characters or N; empty if unreadable', EVERY, rule('str')),
  w('ustack', 'call', BT, 'ustack(N): N frames at most; ustack(raw), ustack(bpftrace, N): the layout', USER_TASK, rule('ustack')),
  w('ustack', 'name', BT, 'the user stack of the probed task as bpftrace lays it out (a newline, then a frame per line indented by 8: func+0xoff (path))', USER_TASK, rule('ustack')),
  w('signal', 'call', BT, 'raise(SIG): signal("KILL"), signal("SIGKILL") and signal(9) are raise(SIGKILL)', 'probes in a task (not begin/end)', rule('signal')),
];

/** Words written as themselves; `arg0 ... arg5` and the `$$` forms are matched by pattern. */
const plain = (x: Word): boolean => !x.name.includes(' ') && !x.name.startsWith('$');
const BY_KEY = new Map<string, Word>(WORDS.filter(plain).map((x) => [`${x.form}:${x.name}`, x]));
const ARG_WORD = WORDS.find((x) => 'rule' in x.means && x.means.rule === 'argN')!;

/** The word NAME written as FORM, if SystemTap or bpftrace has it. */
export function lookupWord(name: string, form: Word['form']): Word | undefined {
  if (form === 'name' && /^arg[0-5]$/.test(name)) return ARG_WORD;
  return BY_KEY.get(`${form}:${name}`);
}

/** How a word is written, for messages: `execname()`, `comm`. */
export function wordSpelling(word: Pick<Word, 'name' | 'form'>): string {
  return word.form === 'call' ? `${word.name}()` : word.name;
}

/** Every spelling the table has, for "did you mean" hints. */
export function wordSpellings(form: Word['form']): string[] {
  return WORDS.filter((x) => x.form === form && plain(x)).map((x) => x.name);
}
