// `guru kernel rm K`: the entry vanishes by one rename (to a dot-name no
// reader treats as an entry), then its files are deleted at leisure.
import fs from 'node:fs';
import path from 'node:path';
import { entryDir, kernelStoreDir, rewriteIndex } from './kernelStore.js';
import { resolveKernel } from './resolveKernel.js';
import type { StoredKernel } from './storedKernel.js';

export async function removeKernel(refText: string): Promise<StoredKernel> {
  const kernel = await resolveKernel(refText);
  const trash = path.join(kernelStoreDir(), `.trash-${kernel.id}-${process.pid}-${Date.now()}`);
  fs.renameSync(entryDir(kernel.id), trash);
  rewriteIndex();
  fs.rmSync(trash, { recursive: true, force: true });
  return kernel;
}
