// How users name a kernel (docs/cli.md, `--kernel K`): a distribution series such
// as `debian:6.1`, whose exact release moves as Debian publishes updates, or
// an exact release string such as `6.1.0-56-amd64`.
import { UserError } from '../errors.js';

export type KernelRef =
  /** `debian:6.1`: whatever release Debian currently ships for that series. */
  | { kind: 'series'; distro: 'debian'; series: string; text: string }
  /** `6.1.0-56-amd64`: one exact release (`uname -r` spelling). */
  | { kind: 'release'; release: string; text: string };

/** Releases go into paths and apt package names: allow only what those allow. */
const RELEASE_PATTERN = /^[0-9][A-Za-z0-9.+~_-]*$/;
const SERIES_PATTERN = /^debian:([0-9]+\.[0-9]+)$/;

export function parseKernelRef(text: string): KernelRef {
  const series = SERIES_PATTERN.exec(text);
  if (series) return { kind: 'series', distro: 'debian', series: series[1], text };
  if (RELEASE_PATTERN.test(text)) return { kind: 'release', release: text, text };
  throw new UserError(
    `unknown kernel '${text}'`,
    'name a kernel as debian:6.1, debian:6.12, or an exact release such as 6.1.0-56-amd64',
  );
}

export function isValidRelease(release: string): boolean {
  return RELEASE_PATTERN.test(release);
}
