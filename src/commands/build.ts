// guru build SPEC [--kernel R|--kdir DIR] [-o X.ko]: kbuild, cached.
import fs from 'node:fs';
import type { GuruCommand } from './command.js';
import { withKernelOptions, type KernelArgs } from './kernelOptions.js';

interface BuildArgs extends KernelArgs {
  spec: string;
  output?: string;
}

export const buildCommand: GuruCommand<BuildArgs> = {
  command: 'build <spec>',
  describe: 'build the kernel module for a patch spec (cached)',
  builder: (y) =>
    withKernelOptions(y.positional('spec', { type: 'string', describe: 'patch spec (YAML)', demandOption: true }))
      .option('output', { alias: 'o', type: 'string', describe: 'where to write the module (default: ./guru_<name>.ko)' }),
  handler: async (args: BuildArgs) => {
    const { planSpecFile } = await import('../pipeline.js');
    const { renderModule } = await import('../render/renderModule.js');
    const { buildModule } = await import('../build/kbuild.js');
    const { withSpinner } = await import('../ui/spinner.js');
    const { plan, target } = await planSpecFile(args.spec, args);
    const rendered = renderModule(plan);
    const result = await withSpinner(`building ${rendered.module}.ko for ${target.release}`, () => buildModule(rendered, target));
    const out = args.output ?? `${rendered.module}.ko`;
    fs.copyFileSync(result.koPath, out);
    process.stdout.write(`${out}: ${rendered.module} for ${target.release}${result.cached ? ' (cached)' : ''}\n`);
  },
};
