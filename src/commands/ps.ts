// guru ps: the guru modules loaded in this kernel, with their state and, for
// a detached one, how long until the kernel disarms it (its --ttl), and
// each one's knobs (enabled and its params) with their values.
import fs from 'node:fs';
import type { GuruCommand } from './command.js';
import { loadedGuruModules } from '../apply/kernelModules.js';
import { readModuleStats, statsPath, type ModuleStats } from '../apply/moduleStats.js';
import { knobValueText, readModuleKnobs } from '../apply/knobs.js';

export const psCommand: GuruCommand<{ json?: boolean }> = {
  command: 'ps',
  describe: 'list loaded guru modules',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: (args) => {
    const rows = loadedGuruModules().map((module) => {
      const stats: ModuleStats | undefined = fs.existsSync(statsPath(module)) ? readModuleStats(module) : undefined;
      const knobs = readModuleKnobs(module);
      return {
        module,
        state: stats?.state ?? 'unknown',
        // Seconds left until the kernel disarms a detached patch; null: no ttl.
        ttlSeconds: stats?.state === 'detached' ? (stats.ttlMs !== undefined ? Math.ceil(stats.ttlMs / 1000) : null) : undefined,
        hits: stats?.probes.reduce((n, p) => n + p.hits, 0) ?? 0,
        // Knob values by name (text: a u64 may not fit a JSON number); {} for a module without knobs.
        knobs: Object.fromEntries((knobs?.knobs ?? []).map((k) => [k.name, knobValueText(k.value, k.type)])),
        // Seconds until a --disable-for sets enabled back to 1; undefined: none pending.
        reenableSeconds: knobs?.reenableMs !== undefined ? Math.ceil(knobs.reenableMs / 1000) : undefined,
        emitted: stats?.emitted ?? 0,
        dropped: stats?.dropped ?? 0,
      };
    });
    if (args.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (!rows.length) {
      process.stdout.write('no guru modules loaded\n');
      return;
    }
    const ttl = (r: (typeof rows)[number]): string => (r.ttlSeconds === undefined ? '-' : r.ttlSeconds === null ? 'ttl none' : `ttl ${r.ttlSeconds}s`);
    const width = (f: (r: (typeof rows)[number]) => string): number => Math.max(...rows.map((r) => f(r).length));
    const [wm, ws, wt] = [width((r) => r.module), width((r) => r.state), width(ttl)];
    for (const r of rows) {
      const knobs = Object.entries(r.knobs).map(([k, v]) => `${k}=${v}`).join(' ');
      const reenable = r.reenableSeconds !== undefined ? ` (enabled again in ${r.reenableSeconds}s)` : '';
      process.stdout.write(`${r.module.padEnd(wm)}  ${r.state.padEnd(ws)}  ${ttl(r).padEnd(wt)}  hits ${r.hits}  events ${r.emitted} (${r.dropped} dropped)${knobs ? `  ${knobs}${reenable}` : ''}\n`);
    }
  },
};
