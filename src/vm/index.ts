// The disposable-VM API. Other parts of guru import from here.
export { runInVm, VM_TIMEOUT_EXIT_CODE, VM_INTERRUPTED_EXIT_CODE, type RunInVmOptions, type VmRunResult } from './runInVm.js';
export { DEFAULT_MEM_MB } from './vmPolicy.js';
export type { Accelerator } from './accelerator.js';
