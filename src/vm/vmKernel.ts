// The kernel a disposable VM boots, as the VM code needs it: the store's
// entries (src/kernelStore) have this shape, but the VM does not depend on
// the store, which itself boots kernels (to read /proc/kallsyms).
export interface VmKernel {
  /** Store entry id, for cache keys and messages. */
  id: string;
  /** `uname -r` of this kernel. */
  release: string;
  /** The name it was added as (debian:6.1), for the fix in messages. */
  ref?: string;
  /** The bzImage, and the same kernel as a PVH ELF (faster to boot) if there is one. */
  image: string;
  pvhImage?: string;
  /** /lib/modules/RELEASE with modules.dep. */
  modulesDir: string;
  /** The kernel's .config (which drivers are modules). */
  config: string;
  /** Where this kernel's initramfs archives are kept (the store entry's own folder). */
  initramfsDir: string;
}
