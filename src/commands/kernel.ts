// guru kernel add|list|rm: the kernel store (image, modules, headers,
// optional debuginfo) that guru vm boots and guru build --kernel builds for.
import type { GuruCommand } from './command.js';
import { kernelStoreDir, listStoredKernels } from '../kernelStore/kernelStore.js';
// The rest of the store's code (apt, execa, ora) loads only when add/rm run.
import type { StoredKernel } from '../kernelStore/storedKernel.js';

const addCommand: GuruCommand<{ kernel: string; debuginfo?: boolean }> = {
  command: 'add <kernel>',
  describe: 'download a Debian kernel (image, modules, headers) into the store',
  builder: (y) =>
    y
      .positional('kernel', { type: 'string', demandOption: true, describe: 'debian:6.1, debian:6.12, or an exact release such as 6.1.0-56-amd64' })
      .option('debuginfo', { type: 'boolean', describe: 'also store vmlinux with DWARF and the real System.map (~1 GB download)' }),
  handler: async (args) => {
    const { addKernel } = await import('../kernelStore/addKernel.js');
    const { terminalProgress } = await import('../kernelStore/storeProgress.js');
    const { kernel, changed } = await addKernel(args.kernel, { debuginfo: args.debuginfo, progress: terminalProgress() });
    const what = `${kernel.release} (${kernel.ref ? `${kernel.ref}, ` : ''}${kernel.packageVersion}${kernel.debuginfo ? ', with debuginfo' : ''})`;
    process.stdout.write(changed ? `stored ${what} in ${kernel.dir}\n` : `already stored: ${what} in ${kernel.dir}\n`);
  },
};

const listCommand: GuruCommand<{ json?: boolean }> = {
  command: 'list',
  describe: 'list stored kernels',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output (the StoredKernel records)' }),
  handler: (args) => {
    const kernels = listStoredKernels();
    if (args.json) {
      process.stdout.write(JSON.stringify(kernels, null, 2) + '\n');
      return;
    }
    if (kernels.length === 0) {
      process.stdout.write(`no kernels stored in ${kernelStoreDir()}; add one: guru kernel add debian:6.1\n`);
      return;
    }
    process.stdout.write(formatTable(kernels));
  },
};

const rmCommand: GuruCommand<{ kernel: string }> = {
  command: 'rm <kernel>',
  describe: 'remove a kernel from the store',
  builder: (y) => y.positional('kernel', { type: 'string', demandOption: true, describe: 'a stored release or the ref it was added as (debian:6.1)' }),
  handler: async (args) => {
    const { removeKernel } = await import('../kernelStore/removeKernel.js');
    const kernel = await removeKernel(args.kernel);
    process.stdout.write(`removed ${kernel.release}\n`);
  },
};

export const kernelCommand: GuruCommand = {
  command: 'kernel',
  describe: 'kernel store: image, modules, headers, optional debuginfo (K like debian:6.1)',
  builder: (y) => y.command(addCommand).command(listCommand).command(rmCommand).demandCommand(1, 'Name a subcommand: add, list or rm.'),
  handler: () => {},
};

function formatTable(kernels: StoredKernel[]): string {
  const rows = [
    ['RELEASE', 'REF', 'VERSION', 'DEBUGINFO', 'HEADERS (KDIR)'],
    ...kernels.map((k) => [k.release, k.ref ?? '-', k.packageVersion, k.debuginfo ? 'yes' : 'no', k.headersDir]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
