// Names a spec cannot use for its own `vars:` and `params:`: bare names in
// expressions resolve to these first (docs/spec.md), so a var called `pid` would
// silently never be read. Exported so the expression compiler resolves bare
// names from the same lists.

/** Builtin values readable by bare name, with what each one is (used in error text). */
export const BUILTIN_NAMES: ReadonlyMap<string, string> = new Map([
  ['pid', 'the current process id'],
  ['tid', 'the current thread id'],
  ['uid', 'the current user id'],
  ['gid', 'the current group id'],
  ['euid', 'the current effective user id'],
  ['comm', 'the current task name'],
  ['cpu', 'the current cpu number'],
  ['nsecs', 'a nanosecond timestamp'],
  ['probe', 'the name of the probe point'],
  ['func', 'the probed function name'],
]);

/** Functions callable in expressions. */
export const CALL_NAMES: readonly string[] = [
  'log',
  'user_string',
  'kernel_string',
  'backtrace',
  'ubacktrace',
  'stop',
  'count',
];

/**
 * Runtime parameters every module has without declaring them (docs/spec.md,
 * "Variables and parameters"); `guru set NAME enabled=0` must stay unambiguous.
 */
export const BUILTIN_PARAM_NAMES: readonly string[] = ['enabled'];

/** Identifier syntax for vars and params (C-compatible, so it can name a C symbol). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
