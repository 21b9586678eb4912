// Build roots: when this machine cannot build modules for a kernel (its
// compiler, glibc or pahole fall short, see kernelToolchain.ts), a minimal
// root of the kernel's own Debian release with that release's compiler,
// make, libelf and pahole. kbuild then runs with the root's toolchain
// (src/kbuild/buildRootMake.ts). One root per toolchain (release + gcc
// major), shared by every kernel that needs it: trixie's 6.12 and
// trixie-backports' 7.3 both build in trixie-gcc-14.
//
// $GURU_CACHE/buildroots/<name>/root/ is the tree; root.json beside it says
// what it is. Like store entries, a root appears by one rename of a complete
// folder, so no reader ever sees half of one.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../cacheDir.js';
import { createDebianRoot, removeRootTree } from '../debianArchive/debianRoot.js';
import { findDebianRelease, releaseOfSuite } from '../debianArchive/debianReleases.js';
import { EnvironmentError } from '../errors.js';
import { describeToolchain, rootToolchain, toolchainGaps, type KernelToolchain } from './kernelToolchain.js';
import type { StoreProgress } from './storeProgress.js';

export interface BuildRootSpec {
  /** e.g. trixie-gcc-14 */
  name: string;
  /** The Debian suite it is made of, e.g. trixie. */
  suite: string;
  packages: string[];
}

export interface BuildRootRecord extends BuildRootSpec {
  formatVersion: 1;
  createdAt: string;
  /** What debootstrap took and the root weighs (measured when it was made). */
  seconds: number;
  bytes: number;
}

export function buildRootsDir(): string {
  return cacheDir('buildroots');
}

/** The tree of the build root NAME (whether or not it exists). */
export function buildRootTree(name: string): string {
  return path.join(buildRootsDir(), name, 'root');
}

export function readBuildRoot(name: string): BuildRootRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(buildRootsDir(), name, 'root.json'), 'utf8')) as BuildRootRecord;
    return record.formatVersion === 1 && fs.existsSync(buildRootTree(name)) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Debian release whose toolchain a kernel was built with: the release
 * of the suite it came from, or (for entries that do not record it) what
 * its release string says: +deb13 is trixie, 6.1.0-N bookworm.
 */
export function toolchainRelease(release: string, suite: string | undefined): string | undefined {
  if (suite) return releaseOfSuite(suite)?.codename;
  const deb = /\+deb(\d+)/.exec(release)?.[1];
  if (deb) return findDebianRelease(deb)?.codename ?? (Number(deb) > 13 ? 'sid' : undefined);
  return /^6\.1\.0-/.test(release) ? 'bookworm' : undefined;
}

/** The root that provides TOOLCHAIN for a kernel of Debian release CODENAME. */
export function buildRootSpec(toolchain: KernelToolchain, codename: string): BuildRootSpec {
  return {
    name: `${codename}-gcc-${toolchain.gccMajor}`,
    suite: codename,
    // gcc-N provides both gcc-N and x86_64-linux-gnu-gcc-N; libelf-dev brings libelf and zlib (objtool,
    // resolve_btfids) and libc6-dev; dwarves is pahole; dpkg (in minbase) answers the headers' dpkg --print-architecture.
    packages: [`gcc-${toolchain.gccMajor}`, 'make', 'libelf-dev', 'dwarves'],
  };
}

/** The build root SPEC names, made with debootstrap if it is not there yet (needs root, ~30-75 s, ~450 MB). */
export async function ensureBuildRoot(spec: BuildRootSpec, toolchain: KernelToolchain, progress: StoreProgress): Promise<BuildRootRecord> {
  const existing = readBuildRoot(spec.name);
  if (existing) return existing;
  const dir = path.join(buildRootsDir(), spec.name);
  fs.mkdirSync(buildRootsDir(), { recursive: true });
  const tmp = path.join(buildRootsDir(), `.tmp-${spec.name}-${process.pid}`);
  await removeAbandoned();
  fs.mkdirSync(tmp);
  try {
    const made = await createDebianRoot({ suite: spec.suite, dir: path.join(tmp, 'root'), include: spec.packages, onStep: (t) => progress.step(`${t}: build root ${spec.name}, once`) });
    const gaps = toolchainGaps(toolchain, rootToolchain(made.dir));
    if (gaps.length > 0) {
      throw new EnvironmentError(`the Debian ${spec.suite} root does not provide what the kernel needs (${describeToolchain(toolchain)}): ${gaps.join('; ')}`);
    }
    const record: BuildRootRecord = { formatVersion: 1, ...spec, createdAt: new Date().toISOString(), seconds: made.seconds, bytes: made.bytes };
    fs.writeFileSync(path.join(tmp, 'root.json'), JSON.stringify(record, null, 2) + '\n');
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another guru made the same root meanwhile: keep theirs.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && readBuildRoot(spec.name)) return readBuildRoot(spec.name)!;
      throw err;
    }
    return record;
  } finally {
    if (fs.existsSync(tmp)) await removeRootTree(tmp);
  }
}

async function removeAbandoned(): Promise<void> {
  for (const name of fs.readdirSync(buildRootsDir())) {
    const m = /^\.tmp-.*-(\d+)$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    await removeRootTree(path.join(buildRootsDir(), name));
  }
}

/** Every build root there is, for `guru kernel list`. */
export function listBuildRoots(): BuildRootRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(buildRootsDir());
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.')).map(readBuildRoot).filter((r): r is BuildRootRecord => r !== undefined);
}
