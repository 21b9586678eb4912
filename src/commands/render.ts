// guru render SPEC [-o DIR]: write the generated C and Kbuild.
import fs from 'node:fs';
import path from 'node:path';
import type { GuruCommand } from './command.js';
import { withKernelOptions, type KernelArgs } from './kernelOptions.js';
import { withPlanOptions, type PlanArgs } from './planOptions.js';

interface RenderArgs extends KernelArgs, PlanArgs {
  spec: string;
  output?: string;
}

export const renderCommand: GuruCommand<RenderArgs> = {
  command: 'render <spec>',
  describe: 'write the generated kernel module sources (C and Kbuild)',
  builder: (y) =>
    withPlanOptions(withKernelOptions(y.positional('spec', { type: 'string', describe: 'patch spec (YAML)', demandOption: true })))
      .option('output', { alias: 'o', type: 'string', describe: 'directory to write into (default: ./guru_<name>)' }),
  handler: async (args: RenderArgs) => {
    const { formatWarnings, planSpecFile } = await import('../pipeline.js');
    const { renderModule } = await import('../render/renderModule.js');
    const planned = await planSpecFile(args.spec, args, { maxProbes: args.maxProbes });
    const { plan, target } = planned;
    process.stderr.write(formatWarnings(planned));
    const rendered = renderModule(plan);
    const dir = args.output ?? rendered.module;
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(rendered.files)) fs.writeFileSync(path.join(dir, name), content);
    process.stdout.write(`${dir}: ${Object.keys(rendered.files).join(' ')}\n` + `build it: make -C ${target.headersDir} M=${path.resolve(dir)} modules\n`);
  },
};

