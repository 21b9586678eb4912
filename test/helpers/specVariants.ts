// Specs that name one kernel's internals (a source line, a struct member
// that a later kernel renamed) have per-kernel variants beside them:
// NAME@X.Y.yaml holds for kernels of series X.Y and later, until a newer
// variant; NAME.yaml for the kernels before the first variant. So
// examples/echo-statement.yaml is 6.1's and echo-statement@6.12.yaml is for
// 6.12 and what follows it; member-access@7.3.yaml uses 7.3's
// d_shortname where 6.1 had d_iname.
import fs from 'node:fs';
import path from 'node:path';
import { compareDebianVersions } from '../../src/debianArchive/debianVersion.js';
import { seriesOfVersion } from '../../src/kernelStore/debianKernelPackages.js';

/** The series (X.Y) of a stored kernel, from its Debian package version. */
export function kernelSeries(kernel: { packageVersion: string; release: string }): string {
  const series = seriesOfVersion(kernel.packageVersion) ?? /^(\d+\.\d+)/.exec(kernel.release)?.[1];
  if (!series) throw new Error(`cannot tell the series of ${kernel.release} (${kernel.packageVersion})`);
  return series;
}

/** The variant of SPEC (a path to NAME.yaml) for KERNEL. */
export function specFor(spec: string, kernel: { packageVersion: string; release: string }): string {
  const dir = path.dirname(spec);
  const base = path.basename(spec, '.yaml');
  const series = kernelSeries(kernel);
  const variants = fs
    .readdirSync(dir)
    .map((f) => new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@(\\d+\\.\\d+)\\.yaml$`).exec(f)?.[1])
    .filter((v): v is string => v !== undefined && compareDebianVersions(v, series) <= 0)
    .sort(compareDebianVersions);
  return variants.length > 0 ? path.join(dir, `${base}@${variants[variants.length - 1]}.yaml`) : spec;
}

/** Whether FILE is a variant (NAME@X.Y.yaml) rather than a spec of its own. */
export function isSpecVariant(file: string): boolean {
  return /@\d+\.\d+\.yaml$/.test(file);
}
