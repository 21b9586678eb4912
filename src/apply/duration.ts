// Durations on the command line: 500ms, 10s, 2m, 1h; a bare number is seconds.
import { UserError } from '../errors.js';

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${flag} ${text}: not a duration`, 'write it like 500ms, 10s, 2m or 1h');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * unit);
}
