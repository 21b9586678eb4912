// guru list PATTERN [-v]: probe points of the target kernel matching a
// pattern (guru, SystemTap or bpftrace spelling, `*` wildcards); -v adds
// each point's target variables with their C types.
import type { GuruCommand } from './command.js';
import { withKernelOptions, type KernelArgs } from './kernelOptions.js';

interface ListArgs extends KernelArgs {
  pattern: string;
  verbose?: boolean;
  json?: boolean;
}

export const listCommand: GuruCommand<ListArgs> = {
  command: 'list <pattern>',
  describe: "list probe points matching PATTERN (e.g. 'kprobe:*ptrace*', 'syscall:*', 'kernel.function(\"vfs_*\").return'); -v adds arguments and their types",
  builder: (y) =>
    withKernelOptions(y.positional('pattern', { type: 'string', describe: 'probe point with * wildcards, in any spelling on: accepts', demandOption: true }))
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'also show target variables ($name, C type, alias, writable or why unavailable)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (args: ListArgs) => {
    const { parseListPattern } = await import('../list/listPattern.js');
    const { listTargetFacts } = await import('../list/listTargetFacts.js');
    const { listProbePoints } = await import('../list/listProbePoints.js');
    const { formatListing } = await import('../list/formatListing.js');
    const { UserError } = await import('../errors.js');
    const query = parseListPattern(args.pattern);
    const facts = await listTargetFacts(query, args);
    const result = listProbePoints(query, facts, { verbose: args.verbose ?? false });
    if (args.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    if (result.entries.length === 0) throw new UserError(`no probe points match ${args.pattern} on ${result.release}`);
    process.stdout.write(formatListing(result, args.verbose ?? false));
  },
};
