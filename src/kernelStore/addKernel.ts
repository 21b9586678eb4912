// `guru kernel add`: download a Debian kernel's packages, extract them into a
// private tree, make the headers usable from there, and publish the entry.
//
// Crash safety: everything happens in kernels/.tmp-<release>-<pid>-<n>/; the
// entry appears only when that folder is renamed to kernels/<release>/, after
// entry.json is written. An interrupted add leaves a temp folder that no
// reader treats as an entry and the next add removes.
import fs from 'node:fs';
import path from 'node:path';
import { openElf } from '../debuginfo/elf.js';
import { EnvironmentError, InternalError } from '../errors.js';
import type { AptPackage } from '../debianArchive/apt.js';
import { aptDownload } from '../debianArchive/apt.js';
import { buildRootSpec, ensureBuildRoot, toolchainRelease } from './buildRoots.js';
import { linkClassicLayout } from './classicLayout.js';
import { resolveDebianPackages, type DebianKernelPackages } from './debianKernelPackages.js';
import { fixUpHeaders } from './headersFixup.js';
import { captureSystemMap } from './kallsymsSystemMap.js';
import { parseKernelRef } from './kernelRef.js';
import { describeToolchain, hostToolchain, readKernelToolchain, toolchainGaps } from './kernelToolchain.js';
import { entryDir, kernelStoreDir, readEntryRecord, rewriteIndex, writeFileAtomic } from './kernelStore.js';
import { extractKernelElf } from './pvhImage.js';
import { silentProgress, type StoreProgress } from './storeProgress.js';
import { entryLayout, storedKernelFromRecord, type KernelEntryRecord, type StoredKernel } from './storedKernel.js';

export interface AddKernelOptions {
  /** Also store vmlinux with DWARF and the real System.map from the -dbg package (~1 GB download). */
  debuginfo?: boolean;
  /** Tell (e.g. `guru kernel add`) which toolchain the kernel needs and where it comes from. */
  onToolchain?: (line: string) => void;
  progress?: StoreProgress;
}

export interface AddKernelResult {
  kernel: StoredKernel;
  /** False if the entry (with debuginfo, if asked) was already there. */
  changed: boolean;
}

export async function addKernel(refText: string, opts: AddKernelOptions = {}): Promise<AddKernelResult> {
  const ref = parseKernelRef(refText);
  const progress = opts.progress ?? silentProgress;
  const debuginfo = opts.debuginfo ?? false;
  progress.step(`resolving ${refText} in Debian's archive`);
  const pkgs = await resolveDebianPackages(ref, { debuginfo });
  const namedRef = ref.kind === 'release' ? undefined : ref.text;
  requireWritableStore();
  removeAbandonedTempDirs();

  const existing = readEntryRecord(entryDir(pkgs.release));
  if (existing) {
    let record = existing;
    let changed = false;
    if (debuginfo && !record.debuginfo) {
      record = await addDebuginfo(record, pkgs, progress);
      changed = true;
    }
    const refs = record.refs ?? (record.ref ? [record.ref] : []);
    const updates: Partial<KernelEntryRecord> = {};
    if (namedRef && (record.ref !== namedRef || !refs.includes(namedRef))) Object.assign(updates, { ref: namedRef, refs: [...refs.filter((r) => r !== namedRef), namedRef] });
    if (!record.suite) updates.suite = pkgs.suite;
    // Entries from before the store recorded toolchains: work it out now (and make the build root it needs).
    if (!record.toolchain) Object.assign(updates, await toolchainFor(path.join(entryDir(record.id), entryLayout.root), pkgs, opts, progress));
    else if (record.buildRoot) await ensureRootFor(record, progress);
    if (Object.keys(updates).length > 0) {
      record = { ...record, ...updates };
      writeFileAtomic(path.join(entryDir(record.id), entryLayout.record), JSON.stringify(record, null, 2) + '\n');
      changed = true;
    }
    if (changed) rewriteIndex();
    progress.end(true);
    return { kernel: storedKernelFromRecord(entryDir(record.id), record), changed };
  }

  const tmp = makeTempDir(pkgs.release);
  try {
    const record = await buildEntry(tmp, pkgs, namedRef, opts, progress);
    const final = entryDir(pkgs.release);
    try {
      fs.renameSync(tmp, final);
    } catch (err) {
      // Another guru added the same release meanwhile: keep theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && readEntryRecord(final)) {
        progress.end(true);
        return { kernel: storedKernelFromRecord(final, readEntryRecord(final)!), changed: false };
      }
      throw err;
    }
    rewriteIndex();
    progress.end(true);
    return { kernel: storedKernelFromRecord(final, record), changed: true };
  } catch (err) {
    progress.end(false);
    throw err;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function buildEntry(tmp: string, pkgs: DebianKernelPackages, ref: string | undefined, opts: AddKernelOptions, progress: StoreProgress): Promise<KernelEntryRecord> {
  const debs = path.join(tmp, 'debs');
  const root = path.join(tmp, entryLayout.root);
  fs.mkdirSync(debs);
  fs.mkdirSync(root);
  const main = pkgs.packages;
  await download([...main, ...(pkgs.debug ? [pkgs.debug] : [])], debs, progress);

  progress.step(`extracting ${main.length} packages`);
  const { execa } = await import('execa');
  for (const pkg of main) await execa('dpkg-deb', ['-x', debFile(debs, pkg), root]);
  const r = pkgs.release;
  linkClassicLayout(root, r);
  progress.step('running depmod and fixing up the headers');
  // Debian's image package leaves modules.dep to its postinst; the VM's init and modprobe need it.
  // depmod lives in /usr/sbin, which a user's PATH often lacks.
  await execa('depmod', ['-b', root, r], { env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  fixUpHeaders(root, r);

  progress.step('unpacking the kernel image for direct (PVH) boot');
  const elf = path.join(tmp, entryLayout.pvhImage);
  const image = await extractKernelElf(path.join(root, 'boot', `vmlinuz-${r}`), elf);
  if (!image.pvh) fs.rmSync(elf);

  const toolchain = await toolchainFor(root, pkgs, opts, progress);
  let record: KernelEntryRecord = {
    formatVersion: 1,
    id: r,
    release: r,
    ref,
    refs: ref ? [ref] : [],
    suite: pkgs.suite,
    distro: 'debian',
    packageVersion: pkgs.version,
    packages: main.map((p) => `${p.name}=${p.version}`),
    buildId: image.buildId,
    hasPvhImage: image.pvh,
    systemMapSource: 'kallsyms',
    addedAt: new Date().toISOString(),
    ...toolchain,
  };
  if (pkgs.debug) {
    record = await extractDebuginfo(tmp, record, debFile(debs, pkgs.debug), pkgs.debug, progress);
  } else {
    progress.step('booting it once to record its symbols (System.map)');
    await captureSystemMap(storedKernelFromRecord(tmp, record), path.join(tmp, entryLayout.systemMap));
  }
  fs.rmSync(debs, { recursive: true, force: true });
  fs.writeFileSync(path.join(tmp, entryLayout.record), JSON.stringify(record, null, 2) + '\n');
  return record;
}

/** Add debuginfo to an entry that exists: build debug/ beside it, then rename it in. */
async function addDebuginfo(record: KernelEntryRecord, pkgs: DebianKernelPackages, progress: StoreProgress): Promise<KernelEntryRecord> {
  if (!pkgs.debug) throw new InternalError('debuginfo requested but no -dbg package resolved');
  if (pkgs.image.version !== record.packageVersion) {
    // Same release, rebuilt by Debian: that -dbg belongs to a different build.
    throw new EnvironmentError(
      `apt now has ${pkgs.release} version ${pkgs.image.version}, but the stored one is ${record.packageVersion}; its debuginfo would not match`,
      `re-add it: guru kernel rm ${record.id} && guru kernel add ${record.ref ?? record.release} --debuginfo`,
    );
  }
  const dir = entryDir(record.id);
  const tmp = makeTempDir(`${record.id}-debug`);
  try {
    const debs = path.join(tmp, 'debs');
    fs.mkdirSync(debs);
    await download([pkgs.debug], debs, progress);
    const updated = await extractDebuginfo(tmp, record, debFile(debs, pkgs.debug), pkgs.debug, progress);
    try {
      fs.renameSync(path.join(tmp, entryLayout.debugDir), path.join(dir, entryLayout.debugDir));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    writeFileAtomic(path.join(dir, entryLayout.record), JSON.stringify(updated, null, 2) + '\n');
    return updated;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where a -dbg package keeps vmlinux and the real System.map: boot/ up to 6.x, lib/modules/R/ in 7.x (where boot/ has symlinks). */
function debuginfoLayouts(r: string): string[][] {
  return [
    [`./usr/lib/debug/boot/vmlinux-${r}`, `./usr/lib/debug/boot/System.map-${r}`],
    [`./usr/lib/debug/lib/modules/${r}/vmlinux`, `./usr/lib/debug/lib/modules/${r}/System.map`],
  ];
}

/**
 * Take vmlinux and System.map from the -dbg package into DIR/debug/. The
 * package is ~1 GB of xz holding ~5 GB of module debug files; tar
 * --occurrence stops once it has the two members we want: about 5 s for
 * 6.1, whose vmlinux comes first, about 60 s for 7.3, whose comes last. The
 * layout that matches the image's (split 7.x packages: lib/modules) is
 * tried first; the other only if that one is not in the package.
 */
async function extractDebuginfo(dir: string, record: KernelEntryRecord, deb: string, pkg: AptPackage, progress: StoreProgress): Promise<KernelEntryRecord> {
  progress.step(`extracting vmlinux and System.map from ${pkg.name}`);
  const r = record.release;
  const staging = path.join(dir, 'dbg-extract');
  const split = record.packages.some((p) => p.startsWith(`linux-binary-${r}=`));
  const layouts = split ? debuginfoLayouts(r).reverse() : debuginfoLayouts(r);
  let members: string[] | undefined;
  let lastError = '';
  for (const candidate of layouts) {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    // The pipeline's status is tar's; dpkg-deb dies of SIGPIPE when tar stops early, by design.
    const { execa } = await import('execa');
    const result = await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x --occurrence -C "$2" "$3" "$4"', 'sh', deb, staging, ...candidate], { reject: false });
    if (!result.failed && candidate.every((m) => fs.statSync(path.join(staging, m), { throwIfNoEntry: false })?.isFile())) {
      members = candidate;
      break;
    }
    lastError = result.stderr;
  }
  if (!members) throw new EnvironmentError(`${pkg.name} holds no vmlinux and System.map where guru looks (${layouts.flat().join(', ')}): ${lastError.trim()}`);
  const debugDir = path.join(dir, entryLayout.debugDir);
  fs.mkdirSync(debugDir, { recursive: true });
  fs.renameSync(path.join(staging, members[0]), path.join(dir, entryLayout.debugVmlinux));
  fs.renameSync(path.join(staging, members[1]), path.join(dir, entryLayout.debugSystemMap));
  fs.rmSync(staging, { recursive: true, force: true });

  const elf = openElf(path.join(dir, entryLayout.debugVmlinux));
  let buildId: string | undefined;
  try {
    buildId = elf.buildId();
  } finally {
    elf.close();
  }
  if (buildId !== record.buildId) {
    throw new EnvironmentError(`${pkg.name} has build-id ${buildId ?? 'none'}, but the kernel image has ${record.buildId}; refusing mismatched debuginfo`);
  }
  return { ...record, debuginfo: { package: `${pkg.name}=${pkg.version}`, buildId }, systemMapSource: 'debuginfo' };
}

/**
 * The toolchain the kernel extracted under ROOT needs and, when this machine
 * lacks it, the build root that provides it (made now if it is missing).
 */
async function toolchainFor(
  root: string,
  pkgs: DebianKernelPackages,
  opts: AddKernelOptions,
  progress: StoreProgress,
): Promise<Pick<KernelEntryRecord, 'toolchain' | 'buildRoot'>> {
  const r = pkgs.release;
  const headersDir = path.join(root, 'usr', 'src', `linux-headers-${r}`);
  const toolchain = readKernelToolchain(headersDir, fs.readFileSync(path.join(root, 'boot', `config-${r}`), 'utf8'));
  const gaps = toolchainGaps(toolchain, hostToolchain());
  if (gaps.length === 0) {
    opts.onToolchain?.(`toolchain: ${describeToolchain(toolchain)}: this machine has it`);
    return { toolchain };
  }
  const codename = toolchainRelease(r, pkgs.suite);
  if (!codename) throw new EnvironmentError(`this machine cannot build modules for ${r} (${gaps.join('; ')}), and guru does not know which Debian release's toolchain would`);
  const spec = buildRootSpec(toolchain, codename);
  opts.onToolchain?.(`toolchain: ${describeToolchain(toolchain)}: this machine lacks it (${gaps.join('; ')}); kbuild runs in the build root ${spec.name}`);
  await ensureBuildRoot(spec, toolchain, progress);
  return { toolchain, buildRoot: spec.name };
}

/** An entry whose build root was removed (or never made on this machine): make it again. */
async function ensureRootFor(record: KernelEntryRecord, progress: StoreProgress): Promise<void> {
  const codename = toolchainRelease(record.release, record.suite);
  if (!record.toolchain || !record.buildRoot || !codename) return;
  const spec = buildRootSpec(record.toolchain, codename);
  await ensureBuildRoot({ ...spec, name: record.buildRoot }, record.toolchain, progress);
}

async function download(pkgs: AptPackage[], dir: string, progress: StoreProgress): Promise<void> {
  const mb = pkgs.reduce((n, p) => n + p.size, 0) / 1e6;
  progress.step(`downloading ${pkgs.length} package${pkgs.length > 1 ? 's' : ''} (${mb.toFixed(0)} MB)`);
  await aptDownload(
    pkgs.map((p) => `${p.name}=${p.version}`),
    dir,
    (p) => progress.percent(p.percent),
  );
}

function debFile(dir: string, pkg: AptPackage): string {
  const found = fs.readdirSync(dir).find((f) => f.startsWith(`${pkg.name}_`) && f.endsWith('.deb'));
  if (!found) throw new InternalError(`apt-get download did not leave ${pkg.name}_*.deb in ${dir}`);
  return path.join(dir, found);
}

function requireWritableStore(): void {
  const dir = kernelStoreDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new EnvironmentError(`cannot write the kernel store ${dir}`, 'run as root, or point GURU_CACHE at a folder you own');
  }
}

let tempCounter = 0;

function makeTempDir(label: string): string {
  const dir = path.join(kernelStoreDir(), `.tmp-${label}-${process.pid}-${tempCounter++}`);
  fs.mkdirSync(dir);
  return dir;
}

/** Temp folders of adds whose process is gone (killed mid-download, say). */
function removeAbandonedTempDirs(): void {
  for (const name of fs.readdirSync(kernelStoreDir())) {
    const m = /^\.tmp-.*-(\d+)-\d+$/.exec(name);
    if (!m || processIsAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(kernelStoreDir(), name), { recursive: true, force: true });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
