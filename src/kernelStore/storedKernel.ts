// One kernel in guru's store, as other code sees it (paths), and as the store
// records it on disk (entry.json inside the entry folder, mirrored in
// index.json). Paths are derived from the entry folder, so a record never
// holds an absolute path that could go stale.
import path from 'node:path';

export interface StoredKernel {
  /** Store entry id; equals the release. */
  id: string;
  /** `uname -r` of this kernel, e.g. 6.1.0-56-amd64. */
  release: string;
  /** The ref it was added as (e.g. debian:6.1), if it was added through a series. */
  ref?: string;
  /** Debian package version, e.g. 6.1.192-2. */
  packageVersion: string;
  /** The entry folder. */
  dir: string;
  /** vmlinuz (bzImage) as Debian ships it. */
  image: string;
  /**
   * The same kernel uncompressed (ELF with a PVH entry point). QEMU boots it
   * directly, skipping the in-guest decompression that costs ~2 s under TCG.
   */
  pvhImage?: string;
  /** /lib/modules/RELEASE of this kernel (with depmod's modules.dep). */
  modulesDir: string;
  /** Usable as kbuild's KDIR: `make -C headersDir M=... modules`. */
  headersDir: string;
  /**
   * A real System.map: the -dbg package's when debuginfo is stored, otherwise
   * /proc/kallsyms captured from a boot without KASLR. (Debian's own
   * /boot/System.map is an 83-byte placeholder.)
   */
  systemMap: string;
  /** The kernel's .config. */
  config: string;
  /** GNU build-id of the kernel image. */
  buildId: string;
  debuginfo?: StoredDebuginfo;
  /** Where the VM keeps this kernel's initramfs archives. */
  initramfsDir: string;
}

export interface StoredDebuginfo {
  /** vmlinux with DWARF (from linux-image-RELEASE-dbg); module debug files are not stored. */
  vmlinux: string;
  systemMap: string;
  /** Always equal to the image's build-id: the store refuses a mismatch. */
  buildId: string;
}

/** What entry.json holds. */
export interface KernelEntryRecord {
  formatVersion: 1;
  id: string;
  release: string;
  ref?: string;
  distro: 'debian';
  packageVersion: string;
  packages: string[];
  buildId: string;
  hasPvhImage: boolean;
  /** Which source the System.map at systemMapPath came from. */
  systemMapSource: 'debuginfo' | 'kallsyms';
  debuginfo?: { package: string; buildId: string };
  addedAt: string;
}

/** Layout of an entry folder; one place so nobody else spells these paths. */
export const entryLayout = {
  record: 'entry.json',
  root: 'root',
  pvhImage: 'vmlinux',
  systemMap: 'System.map',
  debugDir: 'debug',
  debugVmlinux: 'debug/vmlinux',
  debugSystemMap: 'debug/System.map',
  initramfsDir: 'initramfs',
} as const;

export function storedKernelFromRecord(dir: string, record: KernelEntryRecord): StoredKernel {
  const r = record.release;
  const root = path.join(dir, entryLayout.root);
  const kernel: StoredKernel = {
    id: record.id,
    release: r,
    ref: record.ref,
    packageVersion: record.packageVersion,
    dir,
    image: path.join(root, 'boot', `vmlinuz-${r}`),
    pvhImage: record.hasPvhImage ? path.join(dir, entryLayout.pvhImage) : undefined,
    modulesDir: path.join(root, 'lib', 'modules', r),
    headersDir: path.join(root, 'usr', 'src', `linux-headers-${r}`),
    systemMap: record.systemMapSource === 'debuginfo' ? path.join(dir, entryLayout.debugSystemMap) : path.join(dir, entryLayout.systemMap),
    config: path.join(root, 'boot', `config-${r}`),
    buildId: record.buildId,
    initramfsDir: path.join(dir, entryLayout.initramfsDir),
  };
  if (record.debuginfo) {
    kernel.debuginfo = {
      vmlinux: path.join(dir, entryLayout.debugVmlinux),
      systemMap: path.join(dir, entryLayout.debugSystemMap),
      buildId: record.debuginfo.buildId,
    };
  }
  return kernel;
}
