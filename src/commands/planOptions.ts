// --max-probes, shared by the commands that plan a spec (check, render,
// build, apply).
import type { Argv } from 'yargs';

export interface PlanArgs {
  maxProbes?: number;
}

export function withPlanOptions<T>(y: Argv<T>): Argv<T & PlanArgs> {
  return y.option('max-probes', {
    type: 'number',
    describe: 'most kernel probes the spec may place, each wildcard match counting as one (default 1000)',
  }) as Argv<T & PlanArgs>;
}
