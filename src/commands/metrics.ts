// guru metrics [NAME]: the Prometheus text of every loaded guru patch (or
// NAME's): per-probe stats, events, knobs, count("key") counters and maps
// (docs/cli.md#guru-metrics). Reading maps needs root (they come through
// the patch's /dev/guru_<name>).
import type { GuruCommand } from './command.js';
import { UserError } from '../errors.js';

export const metricsCommand: GuruCommand<{ name?: string }> = {
  command: 'metrics [name]',
  describe: 'Prometheus text format of loaded patches: probe stats, counters and maps',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'one patch (with or without the guru_ prefix); all loaded patches by default' })
      .example('$0 metrics', 'every loaded patch')
      .example('$0 metrics cve_2016_5195 | grep guru_counter_total', "one patch's counters"),
  handler: async (args) => {
    const { loadedGuruModules } = await import('../apply/kernelModules.js');
    const { patchMetrics } = await import('../apply/patchMetrics.js');
    const { prometheusText } = await import('../apply/prometheusText.js');
    const loaded = loadedGuruModules();
    let modules = loaded;
    if (args.name !== undefined) {
      const module = args.name.startsWith('guru_') ? args.name : `guru_${args.name}`;
      if (!loaded.includes(module)) throw new UserError(`${module} is not loaded`, loaded.length ? `loaded: ${loaded.join(', ')}` : 'no guru modules are loaded');
      modules = [module];
    }
    process.stdout.write(prometheusText(modules.map((m) => patchMetrics(m))));
  },
};
