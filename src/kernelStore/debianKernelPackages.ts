// From a kernel ref to the exact Debian packages that make a store entry,
// read from guru's private view of Debian's archive (debianArchive/apt.ts):
//
//  - debian:X.Y: the newest build of series X.Y in the first Debian release
//    (bookworm, trixie, sid; each with its -updates, -security and
//    -backports) that ships it: debian:6.12 is bookworm's, debian:7.3
//    trixie-backports';
//  - debian:CODENAME: that release's own kernel (linux-image-amd64 in its
//    main pockets): debian:trixie is 6.12.x+deb13;
//  - an exact release: that build.
//
// The packages are the image with everything of the same build it depends
// on (7.x splits it: linux-image-R is a metapackage over linux-binary-R,
// linux-modules-R and linux-base-R), the headers with their -common half and
// linux-kbuild, and optionally the -dbg debuginfo. Everything is read from
// the archive's metadata, so it follows Debian's updates.
import { aptShowMany, aptUpdate, aptPackageNames, aptVersions, ensureFreshLists, type AptPackage, type AptVersion } from '../debianArchive/apt.js';
import { DEBIAN_RELEASES, findDebianRelease, releaseOfSuite, type DebianRelease } from '../debianArchive/debianReleases.js';
import { compareDebianVersions } from '../debianArchive/debianVersion.js';
import { EnvironmentError, UserError } from '../errors.js';
import type { KernelRef } from './kernelRef.js';

export interface DebianKernelPackages {
  release: string;
  /** Debian package version of the image, e.g. 6.1.192-2. */
  version: string;
  /** The suite it was taken from, e.g. trixie-backports. */
  suite: string;
  image: AptPackage;
  headers: AptPackage;
  headersCommon: AptPackage;
  kbuild: AptPackage;
  /** Everything to extract: the image and its parts (7.x), headers, -common, kbuild. */
  packages: AptPackage[];
  debug?: AptPackage;
}

/** Packages of one kernel build that an entry needs, as opposed to tools (kmod, initramfs-tools, gcc). */
const BUILD_PART = /^linux-(image|binary|modules|base|headers|kbuild)-[0-9]/;

export async function resolveDebianPackages(ref: KernelRef, opts: { debuginfo: boolean }): Promise<DebianKernelPackages> {
  const refreshed = await ensureFreshLists();
  try {
    return await resolveOnce(ref, opts);
  } catch (err) {
    // Lists a day old may predate a build that was just published: refresh once.
    if (!(err instanceof PackageNotFound) || refreshed) throw toUserFacing(err);
    await aptUpdate();
    try {
      return await resolveOnce(ref, opts);
    } catch (again) {
      throw toUserFacing(again);
    }
  }
}

class PackageNotFound extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function toUserFacing(err: unknown): unknown {
  if (err instanceof PackageNotFound) return new UserError(err.message, err.hint);
  return err;
}

const LIST_HINT = 'guru kernel list --available shows the kernels Debian ships now';

async function resolveOnce(ref: KernelRef, opts: { debuginfo: boolean }): Promise<DebianKernelPackages> {
  const chosen =
    ref.kind === 'release' ? await exactRelease(ref.release) : ref.kind === 'series' ? await newestOfSeries(ref.series) : await defaultOfRelease(ref.codename);
  const release = chosen.name.slice('linux-image-'.length);
  const first = await aptShowMany([`${chosen.name}=${chosen.version}`, `linux-headers-${release}=${chosen.version}`, ...(opts.debuginfo ? [`linux-image-${release}-dbg=${chosen.version}`] : [])]);
  const image = first.get(chosen.name);
  if (!image) throw new PackageNotFound(`apt does not know ${chosen.name}=${chosen.version}`, LIST_HINT);
  const headers = required(first, `linux-headers-${release}`);
  const debug = opts.debuginfo ? required(first, `linux-image-${release}-dbg`) : undefined;
  const packages = await withBuildParts([image, headers], chosen.suite);
  const commonName = headers.depends.flat().find((n) => /^linux-headers-.*-common$/.test(n));
  const kbuildName = headers.depends.flat().find((n) => n.startsWith('linux-kbuild-'));
  const headersCommon = packages.find((p) => p.name === commonName);
  const kbuild = packages.find((p) => p.name === kbuildName);
  if (!headersCommon || !kbuild) {
    throw new EnvironmentError(`${headers.name} does not depend on a -common headers package and a linux-kbuild package; guru does not know this layout`);
  }
  return { release, version: image.version, suite: chosen.suite, image, headers, headersCommon, kbuild, packages, debug };
}

/**
 * START plus, transitively, every package of the same build they depend on.
 * A relation's version is the one it names exactly (`= V`), or else the
 * version SUITE has (linux-kbuild-6.1 is shared by every 6.1 build).
 */
async function withBuildParts(start: AptPackage[], suite: string): Promise<AptPackage[]> {
  const have = new Map(start.map((p) => [p.name, p]));
  let frontier = start;
  while (frontier.length > 0) {
    const wanted = new Map<string, string | undefined>();
    for (const pkg of frontier) {
      for (const clause of pkg.depends) {
        if (clause.some((n) => have.has(n) || wanted.has(n))) continue;
        const part = clause.find((n) => BUILD_PART.test(n) && !n.endsWith('-dbg'));
        if (part) wanted.set(part, pkg.exactDepends[part]);
      }
    }
    if (wanted.size === 0) break;
    const unversioned = [...wanted].filter(([, v]) => v === undefined).map(([n]) => n);
    const inSuite = new Map<string, string>();
    for (const v of await aptVersions(unversioned)) {
      const current = inSuite.get(v.name);
      if (v.suite === suite || current === undefined) inSuite.set(v.name, v.version);
    }
    const specs = [...wanted].map(([n, v]) => `${n}=${v ?? inSuite.get(n) ?? ''}`.replace(/=$/, ''));
    const found = await aptShowMany(specs);
    frontier = [];
    for (const name of wanted.keys()) {
      const pkg = required(found, name);
      have.set(name, pkg);
      frontier.push(pkg);
    }
  }
  return [...have.values()];
}

/** A plain amd64 image package (not -cloud, -rt, -dbg, -unsigned, nor a metapackage such as linux-image-6.12-amd64). */
const IMAGE_PACKAGE = /^linux-image-([0-9]+\.[0-9]+\.[0-9][A-Za-z0-9.+~-]*)-amd64$/;

export function isPlainImagePackage(name: string): boolean {
  const m = IMAGE_PACKAGE.exec(name);
  return !!m && !/-(cloud|rt)$/.test(m[1]);
}

/** The series (X.Y) of a Debian kernel package version: 6.12.117-1~deb12u1 → 6.12. */
export function seriesOfVersion(version: string): string | undefined {
  return /^(?:\d+:)?(\d+\.\d+)[.~-]/.exec(version)?.[1];
}

/** Every build of a plain amd64 kernel the archive has, with its suite. */
export async function availableImages(): Promise<AptVersion[]> {
  const names = (await aptPackageNames('linux-image-')).filter(isPlainImagePackage);
  return (await aptVersions(names)).filter((v) => releaseOfSuite(v.suite) !== undefined);
}

/** Newest first, then by release order (bookworm's before trixie's for the same build). */
function newest(versions: AptVersion[]): AptVersion | undefined {
  return [...versions].sort((a, b) => compareDebianVersions(b.version, a.version) || releaseIndex(a.suite) - releaseIndex(b.suite))[0];
}

function releaseIndex(suite: string): number {
  const r = releaseOfSuite(suite);
  return r ? DEBIAN_RELEASES.indexOf(r) : DEBIAN_RELEASES.length;
}

/** The build of series X.Y that debian:X.Y names, from a list of available builds. */
export function chooseSeriesBuild(series: string, images: AptVersion[]): AptVersion | undefined {
  const ofSeries = images.filter((v) => seriesOfVersion(v.version) === series);
  for (const release of DEBIAN_RELEASES) {
    const inRelease = ofSeries.filter((v) => releaseOfSuite(v.suite) === release);
    if (inRelease.length > 0) return newest(inRelease);
  }
  return undefined;
}

async function newestOfSeries(series: string): Promise<AptVersion> {
  const chosen = chooseSeriesBuild(series, await availableImages());
  if (!chosen) {
    throw new PackageNotFound(`Debian ships no kernel of series ${series} in ${DEBIAN_RELEASES.map((r) => r.codename).join(', ')} (or their updates and backports)`, LIST_HINT);
  }
  return chosen;
}

/** linux-image-amd64 of the release's own pockets → the image it depends on. */
export async function defaultOfRelease(codename: string): Promise<AptVersion> {
  const release: DebianRelease | undefined = findDebianRelease(codename);
  if (!release) throw new PackageNotFound(`guru does not know the Debian release ${codename}`, LIST_HINT);
  const meta = newest((await aptVersions(['linux-image-amd64'])).filter((v) => release.pockets.includes(v.suite)));
  if (!meta) throw new PackageNotFound(`Debian ${codename} has no linux-image-amd64`, LIST_HINT);
  const stanza = (await aptShowMany([`linux-image-amd64=${meta.version}`])).get('linux-image-amd64');
  const image = stanza?.depends.flat().find((n) => /^linux-image-[0-9]/.test(n))?.replace(/-unsigned$/, '');
  if (!image) throw new EnvironmentError(`linux-image-amd64=${meta.version} (${meta.suite}) depends on no kernel image`);
  const version = stanza?.exactDepends[image] ?? meta.version;
  return { name: image, version, suite: meta.suite };
}

async function exactRelease(release: string): Promise<AptVersion> {
  const name = `linux-image-${release}`;
  const found = newest(await aptVersions([name]));
  if (!found) throw new PackageNotFound(`Debian's archive has no ${name}`, LIST_HINT);
  return found;
}

function required(found: Map<string, AptPackage>, name: string): AptPackage {
  const pkg = found.get(name);
  if (!pkg) throw new PackageNotFound(`apt does not know ${name}`, LIST_HINT);
  return pkg;
}

export interface AvailableKernel {
  /** The name that resolves to it: debian:7.3, debian:trixie. */
  name: string;
  release: string;
  version: string;
  suite: string;
}

/** What each name resolves to in Debian's archive now: every series, then every release's own kernel. */
export async function availableKernels(): Promise<AvailableKernel[]> {
  await ensureFreshLists();
  const images = await availableImages();
  const series = [...new Set(images.map((v) => seriesOfVersion(v.version)).filter((s): s is string => s !== undefined))].sort((a, b) =>
    compareDebianVersions(a, b),
  );
  const entry = (name: string, v: AptVersion): AvailableKernel => ({ name, release: v.name.slice('linux-image-'.length), version: v.version, suite: v.suite });
  const out = series.map((s) => entry(`debian:${s}`, chooseSeriesBuild(s, images)!));
  for (const release of DEBIAN_RELEASES) {
    try {
      out.push(entry(`debian:${release.codename}`, await defaultOfRelease(release.codename)));
    } catch (err) {
      if (!(err instanceof PackageNotFound)) throw err;
    }
  }
  return out;
}
