// The pure front half of guru, shared by check/render/build/apply:
// spec file → Spec → Plan (against a kernel's facts) → rendered sources.
import fs from 'node:fs';
import { UserError } from './errors.js';
import { headersKernelFacts } from './kernelFacts/headersKernelFacts.js';
import type { KernelFacts } from './kernelFacts/kernelFacts.js';
import { resolveKernelTarget, type KernelTarget, type KernelTargetOptions } from './kernelFacts/kernelTarget.js';
import { buildPlan } from './plan/buildPlan.js';
import type { Plan } from './plan/types.js';
import { parseSpec } from './patchSpec/parseSpec.js';
import type { Spec } from './patchSpec/types.js';

export function readSpecFile(file: string): Spec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `no such spec file: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseSpec(file, text);
}

export interface PlannedSpec {
  spec: Spec;
  target: KernelTarget;
  facts: KernelFacts;
  plan: Plan;
}

export async function planSpecFile(file: string, kernel: KernelTargetOptions): Promise<PlannedSpec> {
  const spec = readSpecFile(file);
  const target = await resolveKernelTarget(kernel);
  const facts = headersKernelFacts(target);
  return { spec, target, facts, plan: buildPlan(spec, facts) };
}
