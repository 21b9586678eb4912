// The anchors guru is measured against, SystemTap 5.6 and bpftrace 0.27,
// live in a Debian sid root made with debootstrap (src/debianArchive's
// createDebianRoot, the code guru's build roots are made with): nothing of
// them goes onto the host, and the host's apt sources are never touched.
// The root also holds the compilers the stored kernels were built with
// (gcc-12 for 6.1, gcc-14 for trixie's 6.12 and 7.3, gcc-16 for sid's 7.2),
// because `stap -p4` compiles its module with the kernel's own kbuild.
//
// $GURU_CACHE/bench/sid-anchors/root is the tree; root.json beside it says
// what it holds (the tools' versions, read once from the root's dpkg
// status). Like guru's build roots it appears by one rename when complete.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../src/cacheDir.js';
import { createDebianRoot } from '../../src/debianArchive/debianRoot.js';

export const ANCHOR_SUITE = 'sid';
/** What the root is made with; stap's module build needs make, libelf and the kernels' compilers. */
export const ANCHOR_PACKAGES = ['systemtap', 'bpftrace', 'gcc-12', 'gcc-14', 'gcc-16', 'make', 'libelf-dev', 'dwarves', 'kmod', 'procps'];
/** The versions the benchmarks are about (issue #13); a root with others is reported as such, not refused. */
export const WANTED_VERSIONS = { systemtap: '5.6', bpftrace: '0.27' };

export interface AnchorRoot {
  dir: string;
  createdAt: string;
  packages: string[];
  /** Debian package versions in the root (dpkg status), e.g. systemtap 5.6-1. */
  versions: Record<string, string>;
}

export function anchorRootDir(): string {
  return cacheDir('bench', 'sid-anchors');
}

export function anchorRootTree(): string {
  return path.join(anchorRootDir(), 'root');
}

/** The command that makes the root (and stores the kernels the benchmarks use). */
export const SETUP_COMMAND = 'bash scripts/bench-setup.sh';

export function readAnchorRoot(): AnchorRoot | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(anchorRootDir(), 'root.json'), 'utf8')) as AnchorRoot;
    return fs.existsSync(path.join(record.dir, 'usr', 'bin', 'stap')) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Package versions from a root's /var/lib/dpkg/status. */
export function dpkgVersions(root: string, pkgs: readonly string[]): Record<string, string> {
  const status = fs.readFileSync(path.join(root, 'var', 'lib', 'dpkg', 'status'), 'utf8');
  const versions: Record<string, string> = {};
  for (const stanza of status.split(/\n\n+/)) {
    const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
    const version = /^Version: (\S+)$/m.exec(stanza)?.[1];
    if (name && version && pkgs.includes(name) && /^Status: .* installed$/m.test(stanza)) versions[name] = version;
  }
  return versions;
}

/** The anchor root, made with debootstrap if it is not there yet (needs root; a few minutes, ~1.5 GB). */
export async function ensureAnchorRoot(onStep: (text: string) => void = () => {}): Promise<AnchorRoot> {
  const existing = readAnchorRoot();
  if (existing) return existing;
  const dir = anchorRootDir();
  fs.mkdirSync(dir, { recursive: true });
  const tree = anchorRootTree();
  // A tree without root.json is one whose recording failed: the root itself is complete (createDebianRoot renames it last).
  if (!fs.existsSync(tree)) await createDebianRoot({ suite: ANCHOR_SUITE, dir: tree, include: ANCHOR_PACKAGES, onStep });
  const record: AnchorRoot = {
    dir: tree,
    createdAt: new Date().toISOString(),
    packages: ANCHOR_PACKAGES,
    versions: dpkgVersions(tree, ['systemtap', 'systemtap-runtime', 'bpftrace', 'gcc-12', 'gcc-14', 'gcc-16', 'libc6', 'elfutils', 'libdw1t64', 'libdw1']),
  };
  fs.writeFileSync(path.join(dir, 'root.json'), JSON.stringify(record, null, 2) + '\n');
  return record;
}
