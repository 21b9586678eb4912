// The guest's initramfs for one stored kernel: static busybox (with its
// applet symlinks), guru's init, and that kernel's own modules for
// virtio/9p/overlayfs, decompressed and listed in load order. Built once and
// cached in the kernel's store entry, keyed by everything that goes into it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from '../cacheDir.js';
import { openElf } from '../debuginfo/elf.js';
import { EnvironmentError } from '../errors.js';
import { cpioArchive, type CpioEntry } from './cpioArchive.js';
import { guestModuleLoadOrder, type GuestModule } from './guestModules.js';
import { GUEST_INIT, GUEST_MODPROBE } from './guestInit.js';
import type { VmKernel } from './vmKernel.js';

/** Bump when the archive layout changes in a way the key below does not see. */
const LAYOUT_VERSION = 1;
const BUSYBOX = '/bin/busybox';
const PT_INTERP = 3;

/** Path of the (cached) initramfs for KERNEL; builds it on first use. */
export async function guestInitramfs(kernel: VmKernel): Promise<string> {
  const modules = guestModuleLoadOrder(kernel.modulesDir, fs.readFileSync(kernel.config, 'utf8'));
  const busybox = checkStaticBusybox();
  const name = `${cacheKey(busybox, modules)}.cpio`;
  const inEntry = path.join(kernel.initramfsDir, name);
  if (fs.existsSync(inEntry)) return inEntry;
  const dir = writableCacheFolder(kernel);
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return file;

  const archive = cpioArchive(await initramfsEntries(busybox, modules));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, archive);
  fs.renameSync(tmp, file);
  // Archives from older guru versions or module sets are dead weight now.
  for (const old of fs.readdirSync(dir)) {
    if (old.endsWith('.cpio') && old !== path.basename(file)) fs.rmSync(path.join(dir, old), { force: true });
  }
  return file;
}

/** The static busybox the initramfs is made of; an EnvironmentError says how to get one. */
export function checkStaticBusybox(): Buffer {
  if (!fs.existsSync(BUSYBOX)) throw new EnvironmentError(`${BUSYBOX} is missing; the VM's initramfs needs it`, 'apt-get install busybox-static');
  const elf = openElf(BUSYBOX);
  try {
    if (elf.segments.some((s) => s.type === PT_INTERP)) {
      throw new EnvironmentError(`${BUSYBOX} is dynamically linked; the VM's initramfs needs a static one`, 'apt-get install busybox-static');
    }
  } finally {
    elf.close();
  }
  return fs.readFileSync(BUSYBOX);
}

function cacheKey(busybox: Buffer, modules: GuestModule[]): string {
  const h = crypto.createHash('sha256');
  h.update(`layout ${LAYOUT_VERSION}\n${GUEST_INIT}\n${GUEST_MODPROBE}\n`);
  h.update(busybox);
  for (const m of modules) {
    const st = fs.statSync(m.file);
    h.update(`${m.file} ${st.size} ${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The entry's own folder; when the store is not writable (a root-owned store
 * used by a user), guru's cache folder, and failing that a per-user temp one.
 */
function writableCacheFolder(kernel: VmKernel): string {
  const candidates = [
    kernel.initramfsDir,
    cacheDir('vm', 'initramfs', kernel.id),
    path.join(os.tmpdir(), `guru-${process.getuid?.() ?? 'user'}`, 'initramfs', kernel.id),
  ];
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // Try the next one.
    }
  }
  throw new EnvironmentError(`no writable folder for the VM's initramfs (tried ${candidates.join(', ')})`, 'point GURU_CACHE at a folder you own');
}

async function initramfsEntries(busybox: Buffer, modules: GuestModule[]): Promise<CpioEntry[]> {
  const entries: CpioEntry[] = [];
  for (const d of ['/bin', '/dev', '/proc', '/sys', '/host', '/rw', '/newroot', '/guru', '/guru/modules', '/tmp']) {
    entries.push({ kind: 'dir', path: d });
  }
  entries.push({ kind: 'chardev', path: '/dev/console', major: 5, minor: 1 });
  entries.push({ kind: 'file', path: BUSYBOX, data: busybox, mode: 0o755 });
  const { execa } = await import('execa');
  const { stdout } = await execa(BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox')) {
    entries.push({ kind: 'symlink', path: `/bin/${applet}`, target: 'busybox' });
  }
  entries.push({ kind: 'file', path: '/init', data: Buffer.from(GUEST_INIT), mode: 0o755 });
  entries.push({ kind: 'file', path: '/guru/modprobe', data: Buffer.from(GUEST_MODPROBE), mode: 0o755 });
  const names: string[] = [];
  for (const m of modules) {
    const name = `${m.name}.ko`;
    entries.push({ kind: 'file', path: `/guru/modules/${name}`, data: await readModule(m.file) });
    names.push(name);
  }
  entries.push({ kind: 'file', path: '/guru/modules.load', data: Buffer.from(names.map((n) => `${n}\n`).join('')) });
  return entries;
}

/** busybox insmod takes plain .ko files; Debian 6.12 ships them xz-compressed. */
async function readModule(file: string): Promise<Buffer> {
  const tool = file.endsWith('.xz') ? ['xz', '-dc'] : file.endsWith('.zst') ? ['zstd', '-dcq'] : file.endsWith('.gz') ? ['gzip', '-dc'] : undefined;
  if (!tool) return fs.readFileSync(file);
  const { execa } = await import('execa');
  const { stdout } = await execa(tool[0], [...tool.slice(1), file], { encoding: 'buffer' });
  return Buffer.from(stdout);
}
