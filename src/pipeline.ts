// The pure front half of guru, shared by check/render/build/apply:
// spec file → Spec → Plan (against a kernel's facts) → rendered sources.
// One DiagnosticBag goes through parsing and planning, so a spec's mistakes
// are all reported in one run; its warnings come back with the plan.
import fs from 'node:fs';
import type { Diagnostic } from './diagnostics/diagnostic.js';
import { DiagnosticBag } from './diagnostics/diagnosticBag.js';
import { formatDiagnostics } from './diagnostics/formatDiagnostic.js';
import { SpecError, UserError } from './errors.js';
import { headersKernelFacts } from './kernelFacts/headersKernelFacts.js';
import type { KernelFacts } from './kernelFacts/kernelFacts.js';
import { resolveKernelTarget, type KernelTarget, type KernelTargetOptions } from './kernelFacts/kernelTarget.js';
import { buildPlan, type PlanOptions } from './plan/buildPlan.js';
import type { Plan } from './plan/types.js';
import { parseSpec, parseSpecInto } from './parseSpec.js';
import type { Spec } from './patchSpec/types.js';

function readSpecText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `no such spec file: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parse a spec file; any mistake throws (a SpecError with all of them). */
export function readSpecFile(file: string): Spec {
  return parseSpec(file, readSpecText(file));
}

export interface PlannedSpec {
  spec: Spec;
  target: KernelTarget;
  facts: KernelFacts;
  plan: Plan;
  /** Warnings of every pass, in file order: print them with formatWarnings. */
  warnings: Diagnostic[];
}

/**
 * Spec file → Plan for the kernel TARGET gives (resolved only once the spec
 * parses into a shape). Parse mistakes do not stop the later passes: every
 * error of the spec is thrown together.
 */
export async function planSpecFile(file: string, kernel: KernelTargetOptions | (() => Promise<KernelTarget>), options: PlanOptions = {}): Promise<PlannedSpec> {
  const text = readSpecText(file);
  const bag = new DiagnosticBag();
  const spec = parseSpecInto(bag, file, text);
  if (!spec) throw new SpecError(bag.sorted(), text);
  let target: KernelTarget;
  let facts: KernelFacts;
  try {
    target = typeof kernel === 'function' ? await kernel() : await resolveKernelTarget(kernel);
    facts = headersKernelFacts(target);
  } catch (err) {
    // The spec's own mistakes come first: they need no kernel to fix.
    if (bag.hasErrors()) throw new SpecError(bag.sorted(), text);
    throw err;
  }
  const plan = buildPlan(spec, facts, bag, options);
  return { spec, target, facts, plan, warnings: bag.warnings() };
}

/** Warnings as the user sees them on stderr: located, with the line and a caret; '' when there are none. */
export function formatWarnings(planned: Pick<PlannedSpec, 'spec' | 'warnings'>): string {
  return planned.warnings.length ? formatDiagnostics(planned.warnings, planned.spec.sourceText) + '\n' : '';
}
