// The Debian releases guru takes kernels (and build roots) from, and the
// suites ("pockets") each is made of in Debian's archive. A release's own
// kernel is the newest in its main pockets (point releases, -updates,
// -security); its -backports pocket carries newer series built with the
// same toolchain.

export interface DebianRelease {
  codename: string;
  /** Other names users may type: the version number, `unstable`. */
  aliases: string[];
  /** The suites of the release itself, where its default kernel comes from. */
  pockets: string[];
  /** Its backports suite, if it has one. */
  backports?: string;
}

/** Oldest first: a kernel series found in two releases is taken from the first (`debian:6.12` is bookworm's). */
export const DEBIAN_RELEASES: readonly DebianRelease[] = [
  { codename: 'bookworm', aliases: ['12'], pockets: ['bookworm', 'bookworm-updates', 'bookworm-security'], backports: 'bookworm-backports' },
  { codename: 'trixie', aliases: ['13'], pockets: ['trixie', 'trixie-updates', 'trixie-security'], backports: 'trixie-backports' },
  { codename: 'sid', aliases: ['unstable'], pockets: ['sid'] },
];

export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEBIAN_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
/** The host's copy of Debian's archive keys (package debian-archive-keyring): every Release file is checked against it. */
export const ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The release NAME (codename or alias) names, or undefined. */
export function findDebianRelease(name: string): DebianRelease | undefined {
  return DEBIAN_RELEASES.find((r) => r.codename === name || r.aliases.includes(name));
}

/** The release a suite belongs to: trixie-backports → trixie. */
export function releaseOfSuite(suite: string): DebianRelease | undefined {
  return DEBIAN_RELEASES.find((r) => r.pockets.includes(suite) || r.backports === suite);
}

/** Every suite, in release order. */
export function allSuites(): string[] {
  return DEBIAN_RELEASES.flatMap((r) => [...r.pockets, ...(r.backports ? [r.backports] : [])]);
}

/** guru's private sources (deb822), amd64 only, main only, signatures checked against ARCHIVE_KEYRING. */
export function archiveSources(): string {
  const suites = allSuites();
  const stanza = (uri: string, list: string[]): string =>
    `Types: deb\nURIs: ${uri}\nSuites: ${list.join(' ')}\nComponents: main\nArchitectures: amd64\nSigned-By: ${ARCHIVE_KEYRING}\n`;
  return [
    '# Written by guru: the suites its kernel store resolves kernels from. The host\'s own sources are not used.',
    stanza(DEBIAN_MIRROR, suites.filter((s) => !s.endsWith('-security'))),
    stanza(DEBIAN_SECURITY_MIRROR, suites.filter((s) => s.endsWith('-security'))),
  ].join('\n');
}
