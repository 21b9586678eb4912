// A minimal Debian root filesystem of any suite, made with debootstrap
// (`--variant=minbase` plus the packages asked for). guru's build roots
// (a newer Debian's compiler and libraries for kbuild) are made with it; so
// can anything else that needs "a Debian N tree" on this machine.
//
// The Release file is verified against the host's debian-archive-keyring
// (--keyring, --force-check-gpg): a root is never made from an unverified
// archive. The root appears at DIR only when complete: debootstrap works in
// DIR.partial-PID, which is renamed to DIR at the end. Downloaded .debs are
// dropped afterwards (they are ~20% of the root and never used again).
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { ARCHIVE_KEYRING, DEBIAN_MIRROR } from './debianReleases.js';

export interface DebianRootOptions {
  /** A suite debootstrap knows, e.g. trixie, sid, bookworm. */
  suite: string;
  /** Where the root appears; must not exist yet. */
  dir: string;
  /** Packages beyond minbase (debootstrap resolves their dependencies). */
  include: string[];
  mirror?: string;
  /** Told each step (e.g. for a spinner). */
  onStep?: (text: string) => void;
}

export interface DebianRoot {
  dir: string;
  suite: string;
  include: string[];
  /** Wall time debootstrap took, and the root's size once trimmed. */
  seconds: number;
  bytes: number;
}

export async function createDebianRoot(opts: DebianRootOptions): Promise<DebianRoot> {
  requireRootPrivileges(opts.suite);
  const debootstrap = await findDebootstrap();
  if (!fs.existsSync(ARCHIVE_KEYRING)) throw new EnvironmentError(`${ARCHIVE_KEYRING} is missing: Debian's Release files cannot be verified`, 'apt-get install debian-archive-keyring');
  if (fs.existsSync(opts.dir)) throw new EnvironmentError(`${opts.dir} already exists`);
  fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
  await removeAbandonedPartials(opts.dir);
  const partial = `${opts.dir}.partial-${process.pid}`;
  const started = Date.now();
  opts.onStep?.(`creating a Debian ${opts.suite} root with debootstrap (${opts.include.join(', ')})`);
  const args = [
    '--variant=minbase',
    `--include=${opts.include.join(',')}`,
    `--keyring=${ARCHIVE_KEYRING}`,
    '--force-check-gpg',
    opts.suite,
    partial,
    opts.mirror ?? DEBIAN_MIRROR,
  ];
  try {
    const { execa } = await import('execa');
    const r = await execa(debootstrap, args, { reject: false, all: true, env: { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.failed) {
      const log = readTail(path.join(partial, 'debootstrap', 'debootstrap.log')) || String(r.all ?? '').split('\n').slice(-30).join('\n');
      throw new EnvironmentError(`debootstrap of Debian ${opts.suite} failed (exit ${r.exitCode}):\n${log}`, 'check the network (and a proxy); the command was: debootstrap ' + args.join(' '));
    }
    for (const deb of fs.readdirSync(path.join(partial, 'var', 'cache', 'apt', 'archives'))) {
      if (deb.endsWith('.deb')) fs.rmSync(path.join(partial, 'var', 'cache', 'apt', 'archives', deb));
    }
    fs.renameSync(partial, opts.dir);
  } finally {
    if (fs.existsSync(partial)) await removeRootTree(partial);
  }
  return { dir: opts.dir, suite: opts.suite, include: opts.include, seconds: (Date.now() - started) / 1000, bytes: await diskUsage(opts.dir) };
}

function requireRootPrivileges(suite: string): void {
  if (process.getuid?.() === 0) return;
  throw new EnvironmentError(`making a Debian ${suite} root needs root (debootstrap creates device nodes and runs the packages' scripts in a chroot)`, 'run that command once as root (sudo); using the root afterwards needs no privileges');
}

async function findDebootstrap(): Promise<string> {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    const p = path.join(dir || '.', 'debootstrap');
    if (dir && fs.existsSync(p)) return p;
  }
  throw new EnvironmentError('debootstrap is not installed', 'apt-get install debootstrap (scripts/setup.sh installs it)');
}

function readTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Partial roots of debootstraps whose process is gone (killed mid-way). */
async function removeAbandonedPartials(dir: string): Promise<void> {
  const base = path.basename(dir);
  for (const name of fs.readdirSync(path.dirname(dir))) {
    const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.partial-(\\d+)$`).exec(name);
    if (!m || processIsAlive(Number(m[1]))) continue;
    await removeRootTree(path.join(path.dirname(dir), name));
  }
}

/**
 * rm -rf of a root debootstrap may have left /proc or /sys mounted in (if it
 * was killed): unmount whatever is mounted below it first, deepest first.
 */
export async function removeRootTree(dir: string): Promise<void> {
  const real = fs.realpathSync(dir);
  let mounts: string[] = [];
  try {
    mounts = fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
      .filter((m): m is string => !!m && (m === real || m.startsWith(`${real}/`)));
  } catch {
    // No /proc: nothing can be mounted that we could see.
  }
  const { execa } = await import('execa');
  for (const m of mounts.sort((a, b) => b.length - a.length)) await execa('umount', ['-l', m], { reject: false });
  fs.rmSync(dir, { recursive: true, force: true });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function diskUsage(dir: string): Promise<number> {
  const { execa } = await import('execa');
  const r = await execa('du', ['-sb', dir], { reject: false });
  return Number(String(r.stdout).split('\t')[0]) || 0;
}
