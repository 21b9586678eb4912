// Which Debian package holds the debug information of a user binary, so
// that an error about missing DWARF names what to install. The binary's
// package comes from dpkg (the path as written, its real path and their
// merged-/usr twins: dpkg records /lib/x86_64-linux-gnu/libc.so.6, not
// /usr/lib/...); its debug file is PKG-dbg where apt knows one (libc6-dbg),
// else PKG-dbgsym from Debian's debug archive (deb.debian.org/debian-debug,
// suite CODENAME-debug), which a sources list must name before apt knows
// it. Either installs the file by the binary's build-id, under
// /usr/lib/debug/.build-id/XX/YYYY.debug. The lookups sit behind
// HostPackages so that unit tests use a fake.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** This machine's packages, as dpkg and apt know them. */
export interface HostPackages {
  /** The package that installed the file at FILE (exactly that path), or undefined. */
  owner(file: string): string | undefined;
  /** Whether apt knows a package NAME (installed, or a candidate to install). */
  known(name: string): boolean;
  /** The Debian release's codename (bookworm), for the debug archive's suite; undefined elsewhere. */
  codename(): string | undefined;
}

function run(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

/** The real dpkg and apt of this machine (none: every answer is "unknown"). */
export const dpkgHostPackages: HostPackages = {
  owner: (file) => {
    // `libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6`; a diversion line says `diversion by ...`.
    const out = run('dpkg-query', ['-S', file]);
    const line = out?.split('\n').find((l) => l.endsWith(`: ${file}`) && !l.startsWith('diversion'));
    return line?.slice(0, line.indexOf(': ')).split(',')[0]!.trim().replace(/:[a-z0-9]+$/, '');
  },
  known: (name) => {
    const out = run('apt-cache', ['policy', name]);
    return !!out && out.includes(`${name}:`) && !/Candidate: \(none\)/.test(out) && !/^\s*$/.test(out);
  },
  codename: () => {
    try {
      return /^VERSION_CODENAME=(\S+)$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  },
};

/** FILE, its real path, and each one's merged-/usr twin (/usr/lib/X and /lib/X), in that order, once each. */
export function packagePaths(file: string): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    if (!out.includes(p)) out.push(p);
  };
  let real = file;
  try {
    real = fs.realpathSync(file);
  } catch {
    // A path that does not exist is looked up as written.
  }
  for (const p of [path.resolve(file), real]) {
    add(p);
    const m = /^\/usr\/(bin|sbin|lib|lib32|lib64|libx32)\//.exec(p);
    if (m) add(p.slice('/usr'.length));
    else if (/^\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(p)) add(`/usr${p}`);
  }
  return out;
}

/** What to install for BINARY's debug file, or that no package owns it. */
export type DebugPackage =
  | { binaryPackage: string; debugPackage: string; archive: 'main' | 'debug'; known: boolean; codename?: string }
  | { unowned: true };

export function debugPackageOf(binary: string, host: HostPackages): DebugPackage {
  const owner = packagePaths(binary).map((p) => host.owner(p)).find((o) => o !== undefined);
  if (!owner) return { unowned: true };
  const codename = host.codename();
  const dbg = `${owner}-dbg`;
  if (host.known(dbg)) return { binaryPackage: owner, debugPackage: dbg, archive: 'main', known: true, ...(codename ? { codename } : {}) };
  const dbgsym = `${owner}-dbgsym`;
  return { binaryPackage: owner, debugPackage: dbgsym, archive: 'debug', known: host.known(dbgsym), ...(codename ? { codename } : {}) };
}

/**
 * The hint for a binary without the DWARF a probe needs: the package to
 * install and where it puts the debug file (DEBUG_FILE, by build-id), or
 * that no package owns the binary and it must be rebuilt with -g.
 */
export function debugPackageHint(binary: string, debugFile: string | undefined, host: HostPackages): string {
  const found = debugPackageOf(binary, host);
  const where = debugFile ? `, which puts it at ${debugFile}` : '';
  if ('unowned' in found) return `${binary} belongs to no Debian package (dpkg -S knows no package of it): rebuild it with gcc -g`;
  if (found.archive === 'main') return `install ${found.debugPackage}, the debug information of ${found.binaryPackage} (apt-get install ${found.debugPackage})${where}`;
  const suite = found.codename ? `${found.codename}-debug` : 'SUITE-debug';
  const source = found.known ? '' : `; apt does not know it yet: add "deb http://deb.debian.org/debian-debug ${suite} main" to its sources and run apt-get update`;
  return `install ${found.debugPackage}, the debug information of ${found.binaryPackage}, from Debian's debug archive (apt-get install ${found.debugPackage}${source})${where}`;
}
