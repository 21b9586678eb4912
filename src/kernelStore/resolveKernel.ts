// From a kernel ref to a stored kernel, without touching the network:
// `debian:6.1` means the newest entry added as debian:6.1 (or, failing that,
// a stored Debian amd64 kernel of that series), `debian:trixie` the newest
// entry added as that, a release means that entry.
import { UserError } from '../errors.js';
import { parseKernelRef, type KernelRef } from './kernelRef.js';
import { listStoredKernels } from './kernelStore.js';
import type { StoredKernel } from './storedKernel.js';

/** The store has no entry for a ref; the hint says how to add it. */
export class KernelNotStoredError extends UserError {}

export async function resolveKernel(refText: string): Promise<StoredKernel> {
  const found = findStoredKernel(refText);
  if (found) return found;
  const stored = listStoredKernels().map((k) => k.ref ?? k.release);
  throw new KernelNotStoredError(
    `kernel ${refText} is not in guru's kernel store${stored.length ? ` (it has: ${stored.join(', ')})` : ''}`,
    `add it: guru kernel add ${refText}`,
  );
}

/** The stored kernel REF names, or undefined. */
export function findStoredKernel(refText: string): StoredKernel | undefined {
  const ref: KernelRef = parseKernelRef(refText);
  const all = listStoredKernels();
  if (ref.kind === 'release') return all.find((k) => k.release === ref.release);
  const named = all.find((k) => k.refs.includes(ref.text));
  if (named || ref.kind === 'distribution') return named;
  // Added by exact release: the plain Debian amd64 flavour of that series still answers to debian:X.Y.
  return all.find((k) => k.release.startsWith(`${ref.series}.`) && /^[0-9][0-9.+~a-z-]*-amd64$/.test(k.release) && !/-(cloud|rt)-amd64$/.test(k.release));
}
