// Read the manifest back out of a built module (section .guru_manifest), so
// a .ko alone is enough to apply it.
import { openElf } from '../debuginfo/elf.js';
import { UserError } from '../errors.js';
import { PARAM_TYPE_RANGE } from '../patchSpec/paramRange.js';
import type { PlanParam } from '../plan/types.js';
import { MANIFEST_SECTION, type Manifest } from '../render/manifest.js';

export function readManifest(koPath: string): Manifest {
  let elf;
  try {
    elf = openElf(koPath);
  } catch (err) {
    throw new UserError(`${koPath} is not a kernel module: ${(err as Error).message}`);
  }
  try {
    const bytes = elf.readSection(MANIFEST_SECTION);
    if (!bytes) throw new UserError(`${koPath} is not a guru module (no ${MANIFEST_SECTION} section)`);
    const text = bytes.toString('utf8').replace(/\0+$/, '');
    const manifest = JSON.parse(text) as Manifest;
    if (manifest.manifestVersion !== 1) throw new UserError(`${koPath} was built by a newer guru (manifest version ${String(manifest.manifestVersion)})`);
    // Modules built before knobs had types list { name, initial: number }: an s64 each.
    const s64 = PARAM_TYPE_RANGE.s64;
    manifest.params = (manifest.params ?? []).map((p: Partial<PlanParam> & { name: string; initial: string | number }) => ({
      name: p.name,
      type: p.type ?? 's64',
      initial: String(p.initial),
      min: p.min ?? String(s64.min),
      max: p.max ?? String(s64.max),
    }));
    return manifest;
  } finally {
    elf.close();
  }
}
