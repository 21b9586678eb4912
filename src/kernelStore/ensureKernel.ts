// A stored kernel for a ref, adding it to the store first if it is missing
// (what `guru vm`, `guru apply --vm` and the VM tests want).
import { addKernel } from './addKernel.js';
import { findStoredKernel } from './resolveKernel.js';
import type { StoreProgress } from './storeProgress.js';
import type { StoredKernel } from './storedKernel.js';

export async function ensureKernel(refText: string, opts: { debuginfo?: boolean; progress?: StoreProgress } = {}): Promise<StoredKernel> {
  const found = findStoredKernel(refText);
  if (found && (!opts.debuginfo || found.debuginfo)) return found;
  return (await addKernel(refText, opts)).kernel;
}
