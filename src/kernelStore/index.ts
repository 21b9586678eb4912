// The kernel store's public API. Other parts of guru import from here.
export type { StoredKernel, StoredDebuginfo } from './storedKernel.js';
export type { KernelRef } from './kernelRef.js';
export type { StoreProgress } from './storeProgress.js';
export { parseKernelRef } from './kernelRef.js';
export { addKernel, type AddKernelOptions, type AddKernelResult } from './addKernel.js';
export { resolveKernel, findStoredKernel, KernelNotStoredError } from './resolveKernel.js';
export { ensureKernel } from './ensureKernel.js';
export { removeKernel } from './removeKernel.js';
export { listStoredKernels, kernelStoreDir } from './kernelStore.js';
export { findHeadersDir, requireHeadersDir, headersDirCandidates } from './findHeadersDir.js';
export { terminalProgress, silentProgress } from './storeProgress.js';
