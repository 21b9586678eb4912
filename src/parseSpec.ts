// Spec text → Spec with the probe families' spellings of `on:`: the
// patchSpec parser (src/patchSpec/parseSpec.ts) knows no kind of probe, and
// the families (src/probeFamilies) sit above it, so this binds the two.
import type { DiagnosticBag } from './diagnostics/diagnosticBag.js';
import { parseSpecIntoWith, parseSpecWith } from './patchSpec/parseSpec.js';
import type { Spec } from './patchSpec/types.js';
import { parseProbePoint } from './probeFamilies/registry.js';

/** Parse and validate a spec; throws SpecError with all diagnostics (src/patchSpec/parseSpec.ts). */
export function parseSpec(file: string, sourceText: string): Spec {
  return parseSpecWith(file, sourceText, parseProbePoint);
}

/** Parse and validate into BAG; undefined when the spec has no shape to go on with. */
export function parseSpecInto(bag: DiagnosticBag, file: string, sourceText: string): Spec | undefined {
  return parseSpecIntoWith(bag, file, sourceText, parseProbePoint);
}
