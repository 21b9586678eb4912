// One kernel in guru's store, as other code sees it (paths), and as the store
// records it on disk (entry.json inside the entry folder, mirrored in
// index.json). Paths are derived from the entry folder, so a record never
// holds an absolute path that could go stale.
import path from 'node:path';
import { buildRootTree } from './buildRoots.js';
import type { KernelToolchain } from './kernelToolchain.js';

export interface StoredKernel {
  /** Store entry id; equals the release. */
  id: string;
  /** `uname -r` of this kernel, e.g. 6.1.0-56-amd64. */
  release: string;
  /** The ref it was last added as (e.g. debian:6.1), if it was added by name. */
  ref?: string;
  /** Every name it was added as (debian:6.1 and debian:bookworm can be one kernel). */
  refs: string[];
  /** The Debian suite it came from (trixie-backports), when the store recorded it. */
  suite?: string;
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
  /** What building modules for it needs (recorded when it was added). */
  toolchain?: KernelToolchain;
  /** When this machine lacks that toolchain: the build root kbuild runs in (buildRoots.ts). */
  buildRoot?: { name: string; dir: string };
}

export interface StoredDebuginfo {
  /** vmlinux with DWARF (from linux-image-RELEASE-dbg); module debug files are not stored. */
  vmlinux: string;
  systemMap: string;
  /** Always equal to the image's build-id: the store refuses a mismatch. */
  buildId: string;
}

/**
 * What entry.json holds. Still format 1: the fields after `ref` came later
 * and are optional, so entries written before them read as they always did
 * (and older guru versions read newer entries).
 */
export interface KernelEntryRecord {
  formatVersion: 1;
  id: string;
  release: string;
  ref?: string;
  refs?: string[];
  suite?: string;
  distro: 'debian';
  packageVersion: string;
  packages: string[];
  buildId: string;
  hasPvhImage: boolean;
  /** Which source the System.map at systemMapPath came from. */
  systemMapSource: 'debuginfo' | 'kallsyms';
  debuginfo?: { package: string; buildId: string };
  addedAt: string;
  toolchain?: KernelToolchain;
  /** Name of the build root that provides the toolchain (absent: this machine builds it). */
  buildRoot?: string;
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
    refs: record.refs ?? (record.ref ? [record.ref] : []),
    suite: record.suite,
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
    toolchain: record.toolchain,
    buildRoot: record.buildRoot ? { name: record.buildRoot, dir: buildRootTree(record.buildRoot) } : undefined,
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
