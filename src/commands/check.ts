// guru check SPEC: parse, validate, resolve; print the plan.
import type { GuruCommand } from './command.js';
import { withKernelOptions, type KernelArgs } from './kernelOptions.js';
import { withPlanOptions, type PlanArgs } from './planOptions.js';

interface CheckArgs extends KernelArgs, PlanArgs {
  spec: string;
  json?: boolean;
}

export const checkCommand: GuruCommand<CheckArgs> = {
  command: 'check <spec>',
  describe: 'parse, validate and resolve a patch spec; print the plan',
  builder: (y) =>
    withPlanOptions(withKernelOptions(y.positional('spec', { type: 'string', describe: 'patch spec (YAML)', demandOption: true })))
      .option('json', { type: 'boolean', describe: 'print the plan as JSON' }),
  handler: async (args: CheckArgs) => {
    const { formatWarnings, planSpecFile } = await import('../pipeline.js');
    const { describePlan } = await import('../plan/describePlan.js');
    const planned = await planSpecFile(args.spec, args, { maxProbes: args.maxProbes });
    const { plan } = planned;
    process.stderr.write(formatWarnings(planned));
    process.stdout.write(args.json ? JSON.stringify(plan, null, 2) + '\n' : describePlan(plan));
  },
};
