// Running the anchors (stap, staprun, bpftrace) inside the sid root, on the
// host (a private mount namespace and chroot, as guru's build roots are
// entered) and inside a guest (which sees the host's files over 9p, so the
// root is at the same path there; the guest's root is an overlay, so the
// mounts below need nothing written on the host).
//
// Paths keep their meaning inside: the kernel store and every folder named
// in BINDS are bind-mounted into the root at their own paths. stap finds a
// stored kernel the way it finds an installed one: /lib/modules/R/build (the
// store's headers) and /boot/vmlinux-R (the store's vmlinux with DWARF),
// symlinks the root holds for each kernel (prepareKernel).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { kernelStoreDir } from '../../src/kernelStore/kernelStore.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { shellQuote } from '../../src/vm/shellQuote.js';
import { anchorRootTree } from './anchorRoot.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** stap's view of KERNEL in the root: its build tree and its vmlinux with DWARF. */
export function prepareKernel(kernel: StoredKernel): void {
  const root = anchorRootTree();
  if (!kernel.debuginfo) throw new Error(`${kernel.release} has no debuginfo in the store; fix: node bin/guru.js kernel add ${kernel.ref ?? kernel.release} --debuginfo`);
  const links: [string, string][] = [
    [path.join(root, 'lib', 'modules', kernel.release, 'build'), kernel.headersDir],
    [path.join(root, 'boot', `vmlinux-${kernel.release}`), kernel.debuginfo.vmlinux],
  ];
  for (const [link, to] of links) {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (readLink(link) === to) continue;
    fs.rmSync(link, { force: true });
    fs.symlinkSync(to, link);
  }
}

function readLink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

function mounts(root: string, binds: readonly string[], guest: boolean): string[] {
  const q = (p: string): string => shellQuote(p);
  const lines = [
    `mount -t proc proc ${q(`${root}/proc`)}`,
    `mount -t sysfs sys ${q(`${root}/sys`)}`,
    `mount --rbind /dev ${q(`${root}/dev`)}`,
  ];
  if (guest) {
    // bpftrace and staprun look for tracefs and debugfs; tmpfs so the root's /tmp is the guest's own.
    lines.push(`mount -t tracefs tracefs ${q(`${root}/sys/kernel/tracing`)}`, `mount -t debugfs debugfs ${q(`${root}/sys/kernel/debug`)}`, `mount -t tmpfs tmp ${q(`${root}/tmp`)}`);
  }
  for (const b of [kernelStoreDir(), ...binds]) lines.push(`mkdir -p ${q(root + b)}`, `mount --bind ${q(b)} ${q(root + b)}`);
  return lines;
}

export interface RootRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** SCRIPT run by sh in the anchor root on the host; BINDS are visible at their own paths. */
export async function inAnchorRoot(script: string, binds: readonly string[] = [], timeoutMs = 1_800_000): Promise<RootRun> {
  const root = anchorRootTree();
  const enter = ['set -e', ...mounts(root, binds, false), `exec chroot ${shellQuote(root)} sh -c "$1"`].join('\n');
  const t0 = performance.now();
  const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', enter, 'sh', script], {
    env: { PATH, HOME: '/root', LC_ALL: 'C.UTF-8' },
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (performance.now() - t0) / 1000 };
}

/** Shell for a guest: set up the anchor root once (mounts), after which `anchor CMD...` runs CMD in it. */
export function anchorRootInGuest(binds: readonly string[]): string {
  const root = anchorRootTree();
  return [
    // The guest's devtmpfs lacks what udev adds; bpftrace's LLVM writes its object to /dev/fd/N.
    '[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd',
    ...mounts(root, binds, true).map((l) => `${l} || echo "anchor root: ${l.replace(/["$`\\]/g, '')} failed"`),
    `anchor() { chroot ${shellQuote(root)} /usr/bin/env -i PATH=${PATH} HOME=/root "$@"; }`,
  ].join('\n');
}
