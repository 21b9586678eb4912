// What `guru list PATTERN` asks for. PATTERN is a probe point in any
// spelling parseProbePoint accepts (guru, SystemTap, bpftrace), with `*`
// wildcards where a spec would refuse them: syscall names (`syscall:*`,
// `syscall.**` as in `stap -l`) and statement lines (`FUNC@FILE:*`).
import { UserError } from '../errors.js';
import { isProbePointError, parseProbePoint } from '../patchSpec/parseProbePoint.js';
import type { ListQuery } from '../probeFamilies/types.js';


/** Stands in for `*` while parseProbePoint checks the spelling (its charsets refuse `*` in syscall names). */
const NAME_WILDCARD = 'zzgurulistanyzz';
/** Stands in for a `*` line number, which must be digits to parse. */
const LINE_WILDCARD = 999_999_999;

export function parseListPattern(pattern: string): ListQuery {
  const lineMasked = pattern.includes('@') ? pattern.replace(/:\*(?=("\))?$)/, `:${LINE_WILDCARD}`) : pattern;
  const masked = lineMasked.replaceAll('*', NAME_WILDCARD);
  const point = parseProbePoint(masked);
  const unmask = (s: string): string => s.replaceAll(NAME_WILDCARD, '*');
  if (isProbePointError(point)) {
    throw new UserError(`cannot list '${pattern}': ${unmask(point.error)}`, point.hint && unmask(point.hint));
  }
  switch (point.kind) {
    case 'kprobe':
      if (point.offset !== 0) throw new UserError(`cannot list '${pattern}': an offset names one address, not a set of probe points`, `list the function: guru list kprobe:${unmask(point.func)}`);
      return { kind: 'kprobe', glob: unmask(point.func) };
    case 'kretprobe':
      return { kind: 'kretprobe', glob: unmask(point.func) };
    case 'syscall':
      return { kind: 'syscall', glob: unmask(point.name), ret: point.ret };
    case 'statement':
      return { kind: 'statement', func: unmask(point.func), file: unmask(point.file), line: point.line === LINE_WILDCARD ? undefined : point.line };
    default:
      throw new UserError(`guru list does not list ${point.kind} probe points yet`, "it lists kprobe:FUNC, kretprobe:FUNC, syscall:NAME and statement:FUNC@FILE:LINE patterns, e.g. guru list 'kprobe:*ptrace*'");
  }
}
