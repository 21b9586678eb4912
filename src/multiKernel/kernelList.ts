// `--kernel A,B,C` / `--vm A,B,C`: several kernels in one flag.
import { UserError } from '../errors.js';
import { parseKernelRef } from '../kernelStore/kernelRef.js';

/** The kernels a comma-separated flag names, in order, each checked; duplicates are refused. */
export function parseKernelList(text: string, flag: string): string[] {
  const refs = text.split(',').map((r) => r.trim());
  if (refs.some((r) => r === '')) throw new UserError(`${flag} ${text}: an empty kernel name`, `separate kernels with commas: ${flag} debian:6.1,debian:7.3`);
  for (const r of refs) parseKernelRef(r);
  const seen = new Set<string>();
  for (const r of refs) {
    if (seen.has(r)) throw new UserError(`${flag} ${text} names ${r} twice`);
    seen.add(r);
  }
  return refs;
}
