// What `guru list PATTERN` asks for. PATTERN is a probe point in any
// spelling parseProbePoint accepts (guru, SystemTap, bpftrace), with `*`
// wildcards where a spec would refuse them: syscall and tracepoint names
// (`syscall:*`, `syscall.**` as in `stap -l`) and statement lines
// (`FUNC@FILE:*`). The family that owns the kind lists it.
import { UserError } from '../errors.js';
import { FAMILIES, familyOfPoint, isProbePointError, parseProbePoint, TIMER_MIN_MS, type ProbePoint } from '../probeFamilies/registry.js';
import { ANY_LINE, type ListQuery } from '../probeFamilies/types.js';

/** Stands in for `*` while parseProbePoint checks the spelling (its charsets refuse `*` in syscall names). */
const NAME_WILDCARD = 'zzgurulistanyzz';
/** Stands in for a `*` line number, which must be digits to parse. */
const LINE_WILDCARD = 999_999_999;

export function parseListPattern(pattern: string): ListQuery {
  if (/^(timer|interval)[:.]/.test(pattern)) {
    // Nothing to look up: every period of at least TIMER_MIN_MS is a timer probe point.
    throw new UserError(
      `timer probe points are not listed: any whole number of ms or s from ${TIMER_MIN_MS}ms is one`,
      'write it in on:, e.g. timer:100ms or timer:1s (SystemTap timer.ms(N), timer.s(N); bpftrace interval:ms:N, interval:s:N)',
    );
  }
  const lineMasked = pattern.includes('@') ? pattern.replace(/:\*(?=("\))?$)/, `:${LINE_WILDCARD}`) : pattern;
  const masked = lineMasked.replaceAll('*', NAME_WILDCARD);
  const point = parseProbePoint(masked);
  const unmask = (s: string): string => s.replaceAll(NAME_WILDCARD, '*');
  if (isProbePointError(point)) {
    throw new UserError(`cannot list '${pattern}': ${unmask(point.error)}`, point.hint && unmask(point.hint));
  }
  if (!familyOfPoint(point.kind)?.list) {
    const listed = FAMILIES.filter((f) => f.list).map((f) => f.spelling).join(', ');
    throw new UserError(`guru list does not list ${point.kind} probe points yet`, `it lists ${listed} patterns, e.g. guru list 'kprobe:*ptrace*'`);
  }
  const query = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, typeof v === 'string' ? unmask(v) : v])) as ProbePoint;
  if ((query.kind === 'statement' || query.kind === 'ustatement') && query.line === LINE_WILDCARD) query.line = ANY_LINE;
  return query;
}
