// guru ps: the guru modules loaded in this kernel, with their state.
import fs from 'node:fs';
import type { GuruCommand } from './command.js';
import { loadedGuruModules } from '../apply/kernelModules.js';
import { readModuleStats, statsPath, type ModuleStats } from '../apply/moduleStats.js';

export const psCommand: GuruCommand<{ json?: boolean }> = {
  command: 'ps',
  describe: 'list loaded guru modules',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: (args) => {
    const rows = loadedGuruModules().map((module) => {
      const stats: ModuleStats | undefined = fs.existsSync(statsPath(module)) ? readModuleStats(module) : undefined;
      return { module, state: stats?.state ?? 'unknown', hits: stats?.probes.reduce((n, p) => n + p.hits, 0) ?? 0, emitted: stats?.emitted ?? 0, dropped: stats?.dropped ?? 0 };
    });
    if (args.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (!rows.length) {
      process.stdout.write('no guru modules loaded\n');
      return;
    }
    for (const r of rows) process.stdout.write(`${r.module}  ${r.state}  hits ${r.hits}  events ${r.emitted} (${r.dropped} dropped)\n`);
  },
};
