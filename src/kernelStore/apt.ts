// The few apt operations the kernel store needs: read a package's candidate
// stanza (to follow metapackage dependencies) and download .debs into a
// folder without installing them. Package names move with every Debian
// kernel update, so nothing here hard-codes a version.
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';

export interface AptPackage {
  name: string;
  version: string;
  /** Download size in bytes. */
  size: number;
  /** Depends, one entry per comma-separated clause, each a list of alternatives (names only). */
  depends: string[][];
}

/**
 * Candidate versions of PKGS as apt-cache sees them, by name; unknown names
 * are simply absent. One apt-cache run per call: each costs ~1.5 s of
 * loading the package cache, whatever the number of names.
 */
export async function aptShowMany(pkgs: readonly string[]): Promise<Map<string, AptPackage>> {
  const found = new Map<string, AptPackage>();
  if (pkgs.length === 0) return found;
  const result = await execa('apt-cache', ['show', '--no-all-versions', ...pkgs], { reject: false, env: { LC_ALL: 'C' } });
  if (result.failed && !/No packages found|Unable to locate/i.test(result.stderr)) {
    throw new EnvironmentError(`apt-cache show ${pkgs.join(' ')} failed: ${result.stderr.trim()}`);
  }
  for (const pkg of parseStanzas(result.stdout)) if (!found.has(pkg.name)) found.set(pkg.name, pkg);
  return found;
}

/** The candidate version of PKG, or undefined if apt does not know it. */
export async function aptShow(pkg: string): Promise<AptPackage | undefined> {
  return (await aptShowMany([pkg])).get(pkg);
}

/** Every deb822 stanza of `apt-cache show` output that names a package and version. */
export function parseStanzas(text: string): AptPackage[] {
  return text
    .split(/\n\s*\n/)
    .map(parseStanza)
    .filter((p): p is AptPackage => p !== undefined);
}

/** Parse the first deb822 stanza of `apt-cache show` output. */
export function parseStanza(text: string): AptPackage | undefined {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') {
      if (fields.size > 0) break;
      continue;
    }
    if (/^\s/.test(line) && last) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  const name = fields.get('Package');
  const version = fields.get('Version');
  if (!name || !version) return undefined;
  return {
    name,
    version,
    size: Number(fields.get('Size') ?? 0),
    depends: parseDepends([fields.get('Pre-Depends'), fields.get('Depends')].filter(Boolean).join(', ')),
  };
}

/** `a (>= 1), b | c:any, d` → [['a'], ['b', 'c'], ['d']]. */
export function parseDepends(field: string): string[][] {
  if (!field.trim()) return [];
  return field.split(',').map((clause) =>
    clause
      .split('|')
      .map((alt) => alt.trim().split(/[\s(:]/)[0])
      .filter((n) => n.length > 0),
  );
}

export interface DownloadProgress {
  /** 0..100 over all files of this download. */
  percent: number;
  message: string;
}

/**
 * `apt-get download PKGS` into DIR. Progress comes from apt's status fd
 * (machine-readable `dlstatus:` lines), not from scraping its TTY output.
 */
export async function aptDownload(pkgs: string[], dir: string, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  const args = ['download', '-o', 'APT::Status-Fd=3'];
  // As root, apt drops to the _apt user to download and warns when that user
  // cannot write DIR (our private temp dir); downloading as root is fine here.
  if (process.getuid?.() === 0) args.push('-o', 'APT::Sandbox::User=root');
  const child = execa('apt-get', [...args, ...pkgs], {
    cwd: dir,
    reject: false,
    env: { LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const status = child.stdio[3];
  let pending = '';
  status?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const m = /^dlstatus:[^:]*:([0-9.]+):(.*)$/.exec(line);
      if (m && onProgress) onProgress({ percent: Number(m[1]), message: m[2] });
    }
  });
  const result = await child;
  if (result.failed) {
    throw new EnvironmentError(
      `apt-get download ${pkgs.join(' ')} failed: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`,
      'refresh the package lists (apt-get update) and retry',
    );
  }
}

/** `apt-get update`, used once when the package lists do not know a kernel yet. */
export async function aptUpdate(): Promise<void> {
  const result = await execa('apt-get', ['update', '-qq'], { reject: false, env: { LC_ALL: 'C' } });
  if (result.failed) throw new EnvironmentError(`apt-get update failed: ${result.stderr.trim()}`);
}
