// Which distribution this is, from /etc/os-release (the freedesktop.org
// format every current distribution ships): guru doctor's fixes are
// commands, and the command depends on the distribution.
import fs from 'node:fs';

export interface OsRelease {
  /** `ID`, e.g. debian, ubuntu, fedora; '' when unknown. */
  id: string;
  /** `ID_LIKE` split, e.g. ['debian'] on Ubuntu, ['rhel', 'fedora'] on CentOS. */
  idLike: string[];
  /** `VERSION_CODENAME`, e.g. bookworm, noble. */
  codename?: string;
  /** `PRETTY_NAME`, for messages. */
  prettyName?: string;
}

/** Parse os-release text: KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): OsRelease {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!.replace(/\\(["'$`\\])/g, '$1');
    vars.set(m[1]!, value);
  }
  return {
    id: (vars.get('ID') ?? '').toLowerCase(),
    idLike: (vars.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    codename: vars.get('VERSION_CODENAME') || undefined,
    prettyName: vars.get('PRETTY_NAME') || undefined,
  };
}

export function readOsRelease(files = ['/etc/os-release', '/usr/lib/os-release']): OsRelease {
  for (const f of files) {
    try {
      return parseOsRelease(fs.readFileSync(f, 'utf8'));
    } catch {
      // The spec allows either file; try the next.
    }
  }
  return { id: '', idLike: [] };
}

export type DistroFamily = 'debian' | 'ubuntu' | 'fedora' | 'other';

/** Ubuntu before Debian: Ubuntu's ID_LIKE says debian, but its debug packages live elsewhere. */
export function distroFamily(os: OsRelease): DistroFamily {
  const all = [os.id, ...os.idLike];
  if (all.includes('ubuntu')) return 'ubuntu';
  if (all.includes('debian')) return 'debian';
  if (all.some((x) => ['fedora', 'rhel', 'centos'].includes(x))) return 'fedora';
  return 'other';
}
