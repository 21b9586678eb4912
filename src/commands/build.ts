// guru build SPEC [--kernel R|--kdir DIR] [-o X.ko]: kbuild, cached.
import fs from 'node:fs';
import type { GuruCommand } from './command.js';
import { withKernelOptions, type KernelArgs } from './kernelOptions.js';
import { withPlanOptions, type PlanArgs } from './planOptions.js';

interface BuildArgs extends KernelArgs, PlanArgs {
  spec: string;
  output?: string;
}

export const buildCommand: GuruCommand<BuildArgs> = {
  command: 'build <spec>',
  describe: 'build the kernel module for a patch spec (cached)',
  builder: (y) =>
    withPlanOptions(withKernelOptions(y.positional('spec', { type: 'string', describe: 'patch spec (YAML)', demandOption: true })))
      .option('output', { alias: 'o', type: 'string', describe: 'where to write the module (default: ./guru_<name>.ko)' }),
  handler: async (args: BuildArgs) => {
    const { formatWarnings, planSpecFile } = await import('../pipeline.js');
    const { buildModule } = await import('../kbuild/kbuild.js');
    const { withSpinner } = await import('../ui/spinner.js');
    const planned = await planSpecFile(args.spec, args, { maxProbes: args.maxProbes });
    const { plan, target } = planned;
    process.stderr.write(formatWarnings(planned));
    const result = await withSpinner(`building ${plan.module}.ko for ${target.release}`, () => buildModule(plan, target));
    const out = args.output ?? `${plan.module}.ko`;
    fs.copyFileSync(result.koPath, out);
    process.stdout.write(`${out}: ${plan.module} for ${target.release}${result.cached ? ' (cached)' : ''}\n`);
  },
};
