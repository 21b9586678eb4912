// What one argument of a log()/printf() carries through the event channel
// and how the supervisor shows it: the manifest's formats[].args. Integers
// and strings are the kernel's values; everything else is *shown* in user
// space from raw parts the probe records (return addresses, an address and
// the string there, an integer), so that a probe never formats text: no
// symbol lookups or snprintf in a handler that may run in NMI context.
//
// Record layout of the parts (kmod/guru_runtime.h "Log arguments"): an int
// is 8 bytes; a string a u16 length and its bytes, the length 0xffff
// meaning "unreadable"; a stack a u16 count and that many u64 addresses.

/** How a kernel stack is shown: guru's backtrace(), SystemTap's print_backtrace(), bpftrace's kstack, kstack(raw). */
export type StackStyle = 'guru' | 'systemtap' | 'bpftrace' | 'raw';

/**
 * How a user stack is shown (each frame `func+0xoff (path)`, src/apply/userStacks.ts):
 * guru's ubacktrace() statement, SystemTap's print_ubacktrace()/sprint_ubacktrace(),
 * bpftrace's ustack, ustack(raw), and SystemTap's ubacktrace() value (`hex`: the
 * addresses in hex, separated by spaces).
 */
export type UserStackStyle = StackStyle | 'hex';

export type LogArg =
  | 'int'
  | 'string'
  /** A kernel stack (part: stack), symbolised from /proc/kallsyms; LIMIT frames at most. */
  | { stack: StackStyle; limit?: number }
  /** A user stack (part: ustack), symbolised from the process's maps and ELF symbols; LIMIT frames at most. */
  | { ustack: UserStackStyle; limit?: number }
  /** SystemTap's user_string_quoted() (parts: int address, string): "text" with C escapes, NULL for 0, the address when unreadable. */
  | { quoted: true }
  /** SystemTap's return_str(FORMAT, value) (part: int): `-13 (EACCES)` for an errno, else decimal (1), 0x-hex (2) or octal (3). */
  | { returnStr: 1 | 2 | 3 }
  /** SystemTap's caller() (part: int, the return address): `NAME 0xADDR`, the function the address returns into, named from kallsyms (kernel) or the process's maps and ELF symbols (user). */
  | { caller: 'kernel' | 'user' }
  /** SystemTap's thread_indent() (parts: int microseconds, string comm, int tid, int depth). */
  | { indent: true }
  /** A nested format (sprintf(), argstr, $$vars): its own conversions over its own arguments. */
  | { sprintf: string; args: LogArg[] }
  /** SystemTap's @count(x) ... @hist_linear(x, ...) (no parts): read by the supervisor from its snapshot of the maps when it reads the record. */
  | StapExtract;

/** SystemTap's extractors: @count(x), @sum(x), ..., of a `<<<` aggregate. */
export const STAP_EXTRACTORS = ['count', 'sum', 'min', 'max', 'avg', 'hist_log', 'hist_linear'] as const;
export type StapExtractor = (typeof STAP_EXTRACTORS)[number];

/** An extractor of map MAP (its plan name, `@lat`) at one constant KEY ([] for a map without a key). */
export interface StapExtract {
  extract: StapExtractor;
  map: string;
  key: { type: 'int' | 'string'; value: string }[];
}

/** The record parts an argument is made of, in order. */
export type LogPart = 'int' | 'string' | 'stack' | 'ustack';

export function logParts(arg: LogArg): LogPart[] {
  if (arg === 'int' || arg === 'string') return [arg];
  if ('stack' in arg) return ['stack'];
  if ('ustack' in arg) return ['ustack'];
  if ('quoted' in arg) return ['int', 'string'];
  if ('returnStr' in arg || 'caller' in arg) return ['int'];
  if ('indent' in arg) return ['int', 'string', 'int', 'int'];
  if ('extract' in arg) return [];
  return arg.args.flatMap(logParts);
}
