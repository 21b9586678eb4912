// How users name a kernel (docs/cli.md, `--kernel K`): a kernel series such as
// `debian:6.1` or a Debian release such as `debian:trixie`, whose exact
// kernel moves as Debian publishes updates, or an exact release string such
// as `6.1.0-56-amd64`.
import { DEBIAN_RELEASES, findDebianRelease } from '../debianArchive/debianReleases.js';
import { UserError } from '../errors.js';

export type KernelRef =
  /** `debian:6.1`: the newest build of that series, from the first Debian release that ships it. */
  | { kind: 'series'; distro: 'debian'; series: string; text: string }
  /** `debian:trixie`, `debian:13`, `debian:sid`: that Debian release's own kernel. `text` is the canonical spelling (codename). */
  | { kind: 'distribution'; distro: 'debian'; codename: string; text: string }
  /** `6.1.0-56-amd64`: one exact release (`uname -r` spelling). */
  | { kind: 'release'; release: string; text: string };

/** Releases go into paths and apt package names: allow only what those allow. */
const RELEASE_PATTERN = /^[0-9][A-Za-z0-9.+~_-]*$/;
const SERIES_PATTERN = /^debian:([0-9]+\.[0-9]+)$/;

export function parseKernelRef(text: string): KernelRef {
  const series = SERIES_PATTERN.exec(text);
  if (series) return { kind: 'series', distro: 'debian', series: series[1], text };
  if (text.startsWith('debian:')) {
    const release = findDebianRelease(text.slice('debian:'.length));
    if (release) return { kind: 'distribution', distro: 'debian', codename: release.codename, text: `debian:${release.codename}` };
  }
  if (RELEASE_PATTERN.test(text)) return { kind: 'release', release: text, text };
  throw new UserError(`unknown kernel '${text}'`, `name a kernel as ${KERNEL_NAME_EXAMPLES}`);
}

/** How the help and hints spell the choices. */
export const KERNEL_NAME_EXAMPLES = `debian:6.1, debian:6.12, debian:7.3 (any series Debian ships), ${DEBIAN_RELEASES.map((r) => `debian:${r.codename}`).join(', ')}, or an exact release such as 7.3.4+deb13-amd64`;

export function isValidRelease(release: string): boolean {
  return RELEASE_PATTERN.test(release);
}

/** The ref's canonical text (debian:13 → debian:trixie); the store records that. */
export function canonicalRef(text: string): string {
  return parseKernelRef(text).text;
}
