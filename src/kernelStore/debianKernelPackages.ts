// From a kernel ref to the exact Debian packages that make a store entry:
// the image (vmlinuz + modules), the headers, the headers' -common half, the
// linux-kbuild package they depend on, and optionally the -dbg debuginfo.
// Everything is read from apt's metadata, so it follows Debian's updates.
import { aptShowMany, aptUpdate, type AptPackage } from './apt.js';
import type { KernelRef } from './kernelRef.js';
import { EnvironmentError, UserError } from '../errors.js';

export interface DebianKernelPackages {
  release: string;
  /** Debian package version of the image, e.g. 6.1.192-2. */
  version: string;
  image: AptPackage;
  headers: AptPackage;
  headersCommon: AptPackage;
  kbuild: AptPackage;
  debug?: AptPackage;
}

/** Metapackages that track a series, tried in order; the first whose image is in that series wins. */
export function seriesMetapackages(series: string): string[] {
  return [`linux-image-${series}-amd64`, 'linux-image-amd64'];
}

export async function resolveDebianPackages(ref: KernelRef, opts: { debuginfo: boolean }): Promise<DebianKernelPackages> {
  try {
    return await resolveOnce(ref, opts);
  } catch (err) {
    // Fresh machines often have stale or missing package lists; refresh once as root.
    if (!(err instanceof PackageNotFound) || process.getuid?.() !== 0) throw toUserFacing(err);
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

async function resolveOnce(ref: KernelRef, opts: { debuginfo: boolean }): Promise<DebianKernelPackages> {
  const imageName = ref.kind === 'release' ? `linux-image-${ref.release}` : await imageOfSeries(ref.series);
  const release = imageName.slice('linux-image-'.length);
  // Three apt-cache runs in all (each loads the whole package cache): metapackages, then these, then what headers need.
  const first = await aptShowMany([imageName, `linux-headers-${release}`, ...(opts.debuginfo ? [`linux-image-${release}-dbg`] : [])]);
  const image = first.get(imageName);
  if (!image) throw new PackageNotFound(`apt does not know ${imageName}`, 'check the release with: apt-cache search linux-image-');
  const headers = required(first, `linux-headers-${release}`);
  const debug = opts.debuginfo ? required(first, `linux-image-${release}-dbg`) : undefined;
  const commonName = headers.depends.flat().find((n) => /^linux-headers-.*-common$/.test(n));
  const kbuildName = headers.depends.flat().find((n) => n.startsWith('linux-kbuild-'));
  if (!commonName || !kbuildName) {
    throw new EnvironmentError(`${headers.name} does not depend on a -common headers package and a linux-kbuild package; guru does not know this layout`);
  }
  const second = await aptShowMany([commonName, kbuildName]);
  return {
    release,
    version: image.version,
    image,
    headers,
    headersCommon: required(second, commonName),
    kbuild: required(second, kbuildName),
    debug,
  };
}

async function imageOfSeries(series: string): Promise<string> {
  const metas = seriesMetapackages(series);
  const found = await aptShowMany(metas);
  for (const meta of metas) {
    const image = found.get(meta)?.depends.flat().find((n) => /^linux-image-[0-9]/.test(n));
    if (image && image.slice('linux-image-'.length).startsWith(`${series}.`)) return image.replace(/-unsigned$/, '');
  }
  throw new PackageNotFound(
    `Debian has no kernel in series ${series} (looked at ${metas.join(', ')})`,
    'Debian 12 ships debian:6.1 and debian:6.12',
  );
}

function required(found: Map<string, AptPackage>, name: string): AptPackage {
  const pkg = found.get(name);
  if (!pkg) throw new PackageNotFound(`apt does not know ${name}`, 'refresh the package lists: apt-get update');
  return pkg;
}
