// guru's own view of Debian's archive: apt with a private configuration
// (its own sources, package lists and caches under guru's cache folder),
// for every suite guru takes kernels from (debianReleases.ts). The host's
// sources and lists are never read or changed; the host's apt.conf.d still
// applies (proxies, timeouts). Release files are verified against the
// host's debian-archive-keyring, as the host's own apt does; nothing here
// disables verification.
//
// Operations: refresh the lists, read stanzas (to follow dependencies),
// list the versions of packages per suite (madison), and download .debs
// into a folder without installing anything.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../cacheDir.js';
import { withDirectoryLock } from '../directoryLock.js';
import { EnvironmentError } from '../errors.js';
import { ARCHIVE_KEYRING, archiveSources } from './debianReleases.js';

export interface AptPackage {
  name: string;
  version: string;
  /** Download size in bytes. */
  size: number;
  /** Depends, one entry per comma-separated clause, each a list of alternatives (names only). */
  depends: string[][];
  /** `name (= V)` relations of Depends/Pre-Depends: the exact version each names. */
  exactDepends: Record<string, string>;
}

/** One line of `apt-cache madison`: a version of a package and the suite that has it. */
export interface AptVersion {
  name: string;
  version: string;
  /** e.g. trixie-backports, bookworm-security */
  suite: string;
}

/** Lists older than this are refreshed before a lookup that may download. */
export const LIST_MAX_AGE_MS = 24 * 3600_000;

function aptDir(...sub: string[]): string {
  return cacheDir('apt', ...sub);
}

/** The -o options that point apt at guru's private state, caches and sources. */
export function privateAptOptions(): string[] {
  const o = (k: string, v: string): string[] => ['-o', `${k}=${v}`];
  return [
    ...o('Dir::State', aptDir('state')),
    ...o('Dir::State::Lists', aptDir('state', 'lists')),
    ...o('Dir::State::status', aptDir('state', 'status')),
    ...o('Dir::Cache', aptDir('cache')),
    ...o('Dir::Cache::archives', aptDir('cache', 'archives')),
    // Some hosts (Docker images) turn the binary caches off; each apt-cache run then re-parses every list.
    ...o('Dir::Cache::pkgcache', aptDir('cache', 'pkgcache.bin')),
    ...o('Dir::Cache::srcpkgcache', aptDir('cache', 'srcpkgcache.bin')),
    ...o('Dir::Etc::sourcelist', aptDir('etc', 'sources.list')),
    ...o('Dir::Etc::sourceparts', aptDir('etc', 'sources.list.d')),
    ...o('Dir::Etc::preferences', aptDir('etc', 'preferences')),
    ...o('Dir::Etc::preferencesparts', aptDir('etc', 'preferences.d')),
    ...o('Acquire::Languages', 'none'),
    ...o('APT::Architecture', 'amd64'),
    ...o('APT::Architectures', 'amd64'),
  ];
}

/** Create the private folders and sources (idempotent; rewrites the sources when they changed). */
function preparePrivateApt(): void {
  if (!fs.existsSync(ARCHIVE_KEYRING)) {
    throw new EnvironmentError(`${ARCHIVE_KEYRING} is missing: guru verifies Debian's archive with it`, 'apt-get install debian-archive-keyring');
  }
  for (const d of [['state', 'lists', 'partial'], ['cache', 'archives', 'partial'], ['etc', 'sources.list.d'], ['etc', 'preferences.d']]) {
    fs.mkdirSync(aptDir(...d), { recursive: true });
  }
  if (!fs.existsSync(aptDir('state', 'status'))) fs.writeFileSync(aptDir('state', 'status'), '');
  if (!fs.existsSync(aptDir('etc', 'sources.list'))) fs.writeFileSync(aptDir('etc', 'sources.list'), '');
  const sources = aptDir('etc', 'sources.list.d', 'guru.sources');
  const text = archiveSources();
  if (!fs.existsSync(sources) || fs.readFileSync(sources, 'utf8') !== text) {
    fs.writeFileSync(sources, text);
    // New suites: the old lists are incomplete.
    fs.rmSync(aptDir('state', 'updated'), { force: true });
  }
}

function env(): Record<string, string> {
  return { LC_ALL: 'C' };
}

/** When the private lists were last refreshed successfully (ms since the epoch), or undefined. */
export function listsUpdatedAt(): number | undefined {
  try {
    return fs.statSync(aptDir('state', 'updated')).mtimeMs;
  } catch {
    return undefined;
  }
}

/** `apt-get update` of guru's private lists: every suite of debianReleases.ts, signatures checked. */
export async function aptUpdate(): Promise<void> {
  preparePrivateApt();
  await withDirectoryLock(aptDir('state'), runUpdate);
}

async function runUpdate(): Promise<void> {
  const args = [...privateAptOptions(), ...sandboxOptions(), 'update'];
  const { execa } = await import('execa');
  const result = await execa('apt-get', args, { reject: false, env: env() });
  // apt-get update exits 0 with W: lines for a suite it could not verify or fetch; a kernel from that suite must not resolve.
  const problems = `${result.stderr}`.split('\n').filter((l) => /^(E:|W:)/.test(l) && !/Skipping acquire of configured file/.test(l));
  if (result.failed || problems.some((l) => /NO_PUBKEY|not signed|signature|Release file|Failed to fetch/i.test(l))) {
    throw new EnvironmentError(
      `apt-get update of guru's Debian package lists failed:\n${problems.join('\n') || result.stderr.trim() || `exit ${result.exitCode}`}`,
      'check the network (and a proxy in /etc/apt/apt.conf.d), and that debian-archive-keyring is current: apt-get install debian-archive-keyring',
    );
  }
  fs.writeFileSync(aptDir('state', 'updated'), new Date().toISOString() + '\n');
}

/** Refresh the lists if they were never fetched or are older than MAXAGE. Returns whether it did. */
export async function ensureFreshLists(maxAgeMs = LIST_MAX_AGE_MS): Promise<boolean> {
  preparePrivateApt();
  const fresh = (): boolean => {
    const at = listsUpdatedAt();
    return at !== undefined && Date.now() - at < maxAgeMs;
  };
  if (fresh()) return false;
  // Another guru may be refreshing them right now: wait for it, then look again.
  return withDirectoryLock(aptDir('state'), async () => {
    if (fresh()) return false;
    await runUpdate();
    return true;
  });
}

async function aptCache(args: string[]): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  preparePrivateApt();
  const { execa } = await import('execa');
  const r = await execa('apt-cache', [...privateAptOptions(), ...args], { reject: false, env: env() });
  return { stdout: r.stdout, stderr: r.stderr, failed: r.failed };
}

/**
 * Stanzas of PKGS (`name` or `name=version`), by name; unknown names are
 * simply absent. A bare name gives apt's candidate, the highest version of
 * any suite not pinned down (backports are), so callers that care about the
 * suite ask for name=version from aptVersions.
 */
export async function aptShowMany(pkgs: readonly string[]): Promise<Map<string, AptPackage>> {
  const found = new Map<string, AptPackage>();
  if (pkgs.length === 0) return found;
  const result = await aptCache(['show', '--no-all-versions', ...pkgs]);
  if (result.failed && !/No packages found|Unable to locate|Can't find|Version .* for .* was not found/i.test(result.stderr)) {
    throw new EnvironmentError(`apt-cache show ${pkgs.join(' ')} failed: ${result.stderr.trim()}`);
  }
  for (const pkg of parseStanzas(result.stdout)) if (!found.has(pkg.name)) found.set(pkg.name, pkg);
  return found;
}

/** Package names that start with PREFIX (apt-cache pkgnames: fast, from the binary cache). */
export async function aptPackageNames(prefix: string): Promise<string[]> {
  const r = await aptCache(['pkgnames', prefix]);
  if (r.failed) throw new EnvironmentError(`apt-cache pkgnames ${prefix} failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** Every version of PKGS in every suite of guru's sources. */
export async function aptVersions(pkgs: readonly string[]): Promise<AptVersion[]> {
  if (pkgs.length === 0) return [];
  const r = await aptCache(['madison', ...pkgs]);
  if (r.failed && !/Unable to locate/i.test(r.stderr)) throw new EnvironmentError(`apt-cache madison failed: ${r.stderr.trim()}`);
  return parseMadison(r.stdout);
}

/** ` linux-image-amd64 | 7.3.4-1~bpo13+1 | http://deb.debian.org/debian trixie-backports/main amd64 Packages` */
export function parseMadison(text: string): AptVersion[] {
  const out: AptVersion[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 3) continue;
    const m = /\s(\S+?)\/\S+\s+\S+\s+Packages$/.exec(cols[2]);
    if (m) out.push({ name: cols[0], version: cols[1], suite: m[1] });
  }
  return out;
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
  const relations = [fields.get('Pre-Depends'), fields.get('Depends')].filter(Boolean).join(', ');
  return {
    name,
    version,
    size: Number(fields.get('Size') ?? 0),
    depends: parseDepends(relations),
    exactDepends: parseExactDepends(relations),
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

/** `a (= 1.2-3), b (>= 4)` → { a: '1.2-3' }. */
export function parseExactDepends(field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of field.matchAll(/([a-z0-9][a-z0-9+.-]*)(?::\w+)?\s*\(\s*=\s*([^)\s]+)\s*\)/g)) out[m[1]] = m[2];
  return out;
}

export interface DownloadProgress {
  /** 0..100 over all files of this download. */
  percent: number;
  message: string;
}

/** As root, apt drops to the _apt user to download and warns when that user cannot write our private folders. */
function sandboxOptions(): string[] {
  return process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
}

/**
 * `apt-get download PKGS` (`name=version`) into DIR, through guru's private
 * lists. Progress comes from apt's status fd (machine-readable `dlstatus:`
 * lines), not from scraping its TTY output.
 */
export async function aptDownload(pkgs: string[], dir: string, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  preparePrivateApt();
  const args = [...privateAptOptions(), ...sandboxOptions(), 'download', '-o', 'APT::Status-Fd=3'];
  const { execa } = await import('execa');
  const child = execa('apt-get', [...args, ...pkgs], {
    cwd: dir,
    reject: false,
    env: env(),
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
      `refresh guru's package lists and retry (they live in ${path.dirname(aptDir('state'))}; guru kernel list --available refreshes them)`,
    );
  }
}
