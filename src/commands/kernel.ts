// guru kernel add|list|rm: the kernel store (image, modules, headers,
// optional debuginfo) that guru vm boots and guru build --kernel builds for.
import type { GuruCommand } from './command.js';
import { KERNEL_NAME_EXAMPLES } from '../kernelStore/kernelRef.js';
import { kernelStoreDir, listStoredKernels } from '../kernelStore/kernelStore.js';
// The rest of the store's code (apt, execa, ora) loads only when add/rm/list --available run.

const addCommand: GuruCommand<{ kernel: string; debuginfo?: boolean }> = {
  command: 'add <kernel>',
  describe: 'download a Debian kernel (image, modules, headers) into the store, and the build root its toolchain needs',
  builder: (y) =>
    y
      .positional('kernel', { type: 'string', demandOption: true, describe: KERNEL_NAME_EXAMPLES })
      .option('debuginfo', { type: 'boolean', describe: 'also store vmlinux with DWARF and the real System.map (~1 GB download)' }),
  handler: async (args) => {
    const { addKernel } = await import('../kernelStore/addKernel.js');
    const { terminalProgress } = await import('../kernelStore/storeProgress.js');
    const { kernel, changed } = await addKernel(args.kernel, {
      debuginfo: args.debuginfo,
      progress: terminalProgress(),
      onToolchain: (line) => process.stderr.write(`guru: ${line}\n`),
    });
    const what = `${kernel.release} (${kernel.ref ? `${kernel.ref}, ` : ''}${kernel.packageVersion}${kernel.debuginfo ? ', with debuginfo' : ''})`;
    process.stdout.write(changed ? `stored ${what} in ${kernel.dir}\n` : `already stored: ${what} in ${kernel.dir}\n`);
  },
};

const listCommand: GuruCommand<{ json?: boolean; available?: boolean }> = {
  command: 'list',
  describe: 'list stored kernels (--available: what Debian offers now)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', describe: 'machine-readable output (the StoredKernel records)' })
      .option('available', { type: 'boolean', describe: "the kernels each name resolves to in Debian's archive now (refreshes guru's package lists when a day old)" }),
  handler: async (args) => {
    if (args.available) {
      const { availableKernels } = await import('../kernelStore/debianKernelPackages.js');
      const available = await availableKernels();
      if (args.json) {
        process.stdout.write(JSON.stringify(available, null, 2) + '\n');
        return;
      }
      const stored = new Set(listStoredKernels().map((k) => k.release));
      process.stdout.write(
        formatTable([['NAME', 'RELEASE', 'VERSION', 'SUITE', 'STORED'], ...available.map((a) => [a.name, a.release, a.version, a.suite, stored.has(a.release) ? 'yes' : 'no'])]),
      );
      return;
    }
    const kernels = listStoredKernels();
    if (args.json) {
      process.stdout.write(JSON.stringify(kernels, null, 2) + '\n');
      return;
    }
    if (kernels.length === 0) {
      process.stdout.write(`no kernels stored in ${kernelStoreDir()}; add one: guru kernel add debian:6.1 (guru kernel list --available shows the choices)\n`);
      return;
    }
    process.stdout.write(
      formatTable([
        ['RELEASE', 'REF', 'VERSION', 'DEBUGINFO', 'BUILD ROOT', 'HEADERS (KDIR)'],
        ...kernels.map((k) => [k.release, k.refs.join(',') || '-', k.packageVersion, k.debuginfo ? 'yes' : 'no', k.buildRoot?.name ?? '-', k.headersDir]),
      ]),
    );
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

/** Columns padded to their widest cell; the last one is not padded. */
function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
