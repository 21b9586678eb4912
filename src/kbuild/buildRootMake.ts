// Running make with a build root's toolchain (a newer Debian's gcc, glibc
// and pahole; see src/kernelStore/buildRoots.ts) without a daemon or a
// container runtime: in a private mount namespace (unshare(1)), the root's
// /usr and ld.so.cache are bind-mounted over the host's, so `make`, gcc and
// kbuild's programs are the root's and link against its libraries, while
// every other path (the kbuild tree, the headers in the kernel store, /tmp)
// stays where it is: nothing is copied or translated. As root that is a
// plain mount namespace; otherwise a user namespace maps the caller to root
// inside it (unprivileged user namespaces, on by default in Debian).
//
// The host must have merged /usr (/bin, /lib, /lib64 are symlinks into usr/,
// as on every Debian since 12); on a host without it, the root's usr/bin,
// usr/lib, ... are mounted over /bin, /lib, ... too.
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/** /bin, /sbin, /lib, /lib64: directories on a host without merged /usr, symlinks otherwise. */
const TOP_LEVEL = ['bin', 'sbin', 'lib', 'lib64'];

const SCRIPT = String.raw`set -e
root=$1; shift
mount --bind "$root/etc/ld.so.cache" /etc/ld.so.cache
for d in $GURU_UNMERGED_DIRS; do mount --rbind "$root/usr/$d" "/$d"; done
mount --rbind "$root/usr" /usr
exec make "$@"`;

export interface BuildRootCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The command that runs `make MAKEARGS` with ROOT's toolchain. PATHS are the
 * folders make works in (headers, the module tree): they must not be under
 * /usr, which the root's replaces.
 */
export function buildRootCommand(root: string, makeArgs: string[], paths: string[]): BuildRootCommand {
  if (!fs.existsSync(path.join(root, 'usr', 'bin', 'make'))) {
    throw new EnvironmentError(`the build root ${root} is missing or incomplete (no usr/bin/make)`, 'add the kernel again to recreate it: guru kernel add K');
  }
  for (const p of paths) {
    const real = fs.realpathSync(p);
    if (real === '/usr' || real.startsWith('/usr/')) {
      throw new EnvironmentError(`${p} is under /usr, which the build root's /usr hides while kbuild runs`, 'keep guru\'s cache and kernel store outside /usr (GURU_CACHE=...)');
    }
  }
  const unmerged = TOP_LEVEL.filter((d) => {
    const st = fs.lstatSync(`/${d}`, { throwIfNoEntry: false });
    return st?.isDirectory() && fs.existsSync(path.join(root, 'usr', d));
  });
  const userns = process.getuid?.() !== 0 ? ['--user', '--map-root-user'] : [];
  return {
    file: 'unshare',
    args: [...userns, '--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', root, ...makeArgs],
    env: { GURU_UNMERGED_DIRS: unmerged.join(' '), PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  };
}

/** unshare's own failure (no user namespaces, no mount privilege), as opposed to make's. */
export function buildRootSetupFailure(log: string): EnvironmentError | undefined {
  const line = log.split('\n').find((l) => /^(unshare|mount): /.test(l));
  if (!line) return undefined;
  return new EnvironmentError(
    `kbuild could not enter the build root: ${line}`,
    process.getuid?.() === 0 ? 'guru needs mount namespaces (unshare --mount)' : 'run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)',
  );
}
