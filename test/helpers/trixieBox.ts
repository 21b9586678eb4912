// The closest to `vagrant up` these machines allow: a Debian 13 (trixie)
// root made with debootstrap (src/debianArchive/debianRoot.ts, as guru's
// build roots are), kept in guru's cache, dressed as the debian/trixie64 box
// is (Debian's full apt sources, a `vagrant` user with uid 1000, the checkout
// at /vagrant as the synced folder), and entered with chroot in a private
// mount namespace, so every mount made for it goes away with the command.
//
// Two settings of this machine's own package clients are carried in, since
// the box would reach the registries without them: npm's CA file (the
// registry is reached through this machine's TLS setup) and apt's
// Check-Valid-Until/Check-Date (this machine's clock and Debian's Release
// files). Nothing else of the host is.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../../src/cacheDir.js';
import { createDebianRoot } from '../../src/debianArchive/debianRoot.js';

/** Where the box's root lives; delete it to start from a fresh `vagrant up`. */
export function trixieBoxRoot(): string {
  return cacheDir('vagrant-box', 'trixie', 'root');
}

const SOURCES = `Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** The box's root, made once (debootstrap, about 80 s) and dressed as the box. */
export async function ensureTrixieBox(): Promise<string> {
  const root = trixieBoxRoot();
  if (!fs.existsSync(path.join(root, 'etc', 'debian_version'))) {
    try {
      await createDebianRoot({ suite: 'trixie', dir: root, include: ['ca-certificates'] });
    } catch (err) {
      throw new Error(`cannot make the Debian 13 root for the Vagrant box test: ${(err as Error).message}\nfix: bash scripts/setup.sh (debootstrap, debian-archive-keyring), and run as root`);
    }
    fs.rmSync(path.join(root, 'etc', 'apt', 'sources.list'), { force: true });
    fs.writeFileSync(path.join(root, 'etc', 'apt', 'sources.list.d', 'debian.sources'), SOURCES);
    execFileSync('chroot', [root, 'useradd', '--create-home', '--uid', '1000', '--shell', '/bin/bash', 'vagrant']);
  }
  fs.copyFileSync('/etc/resolv.conf', path.join(root, 'etc', 'resolv.conf'));
  const aptClock = execFileSync('apt-config', ['dump'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^Acquire::Check-(Valid-Until|Date) /.test(l));
  fs.writeFileSync(path.join(root, 'etc', 'apt', 'apt.conf.d', '99guru-host-clock'), aptClock.map((l) => `${l}\n`).join(''));
  const cafile = hostNpmCafile();
  if (cafile) fs.copyFileSync(cafile, path.join(root, 'etc', 'ssl', 'certs', 'guru-host-npm-ca.crt'));
  return root;
}

function hostNpmCafile(): string | undefined {
  const value = execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).trim();
  return value && value !== 'null' && value !== 'undefined' && fs.existsSync(value) ? value : undefined;
}

/**
 * The synced folder: /vagrant holds this checkout's files (tracked and new,
 * as `git status` sees them), nothing else; the box's own node_modules and
 * build output stay between runs, as they would in a real synced folder.
 */
export function syncCheckout(root: string): void {
  const dir = path.join(root, 'vagrant');
  fs.mkdirSync(dir, { recursive: true });
  for (const e of fs.readdirSync(dir)) if (e !== 'node_modules') fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('sh', ['-c', `tar --null -T - -cf - | tar -C '${dir}' -xf -`], { input: files });
}

export interface BoxRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Run SCRIPT (sh) as root inside the box: / is the root (a mount point, as
 * a real root is, which unshare inside needs), with /proc, /sys and /dev.
 */
export async function inBox(root: string, script: string, timeoutMs = 900_000): Promise<BoxRun> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LC_ALL: 'C.UTF-8' };
  if (hostNpmCafile()) env.npm_config_cafile = '/etc/ssl/certs/guru-host-npm-ca.crt';
  const enter = [
    'set -e',
    `mount --bind '${root}' '${root}'`,
    `mount -t proc proc '${root}/proc'`,
    `mount -t sysfs sys '${root}/sys'`,
    `mount --rbind /dev '${root}/dev'`,
    `exec chroot '${root}' sh -c "$1"`,
  ].join('\n');
  const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', enter, 'sh', script], {
    env,
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
  });
  if (r.timedOut) throw new Error(`the box command timed out after ${timeoutMs} ms:\n${script}\n${r.stdout}\n${r.stderr}`);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Shell for a guest: enter the box's root from inside a VM that sees this machine's files. */
export function enterBoxInGuest(root: string, script: string): string {
  return [
    `mount -t proc proc '${root}/proc'`,
    `mount -t sysfs sys '${root}/sys'`,
    `mount --rbind /dev '${root}/dev'`,
    `chroot '${root}' sh -c '${script.replace(/'/g, `'\\''`)}'`,
  ].join(' && ');
}
