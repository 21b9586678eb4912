// The end-of-session summary (docs/supervision.md): per probe hits, guard misses,
// writes, kprobe nmissed and faults; and the event accounting, which must
// balance exactly: emitted = delivered + dropped.
import type { Manifest } from '../render/manifest.js';
import type { ModuleStats } from './moduleStats.js';

export function formatSummary(manifest: Manifest, stats: ModuleStats, delivered: number, seconds: number, reason: string): string {
  const rows = manifest.probes.map((p) => {
    const s = stats.probes[p.id] ?? { hits: 0, misses: 0, writes: 0, nmissed: 0, faults: 0 };
    return [`${p.id} ${p.on}`, s.hits, s.misses, s.writes, s.nmissed, s.faults].map(String);
  });
  const header = ['probe', 'hits', 'misses', 'writes', 'nmissed', 'faults'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`${manifest.module}: session ended (${reason}) after ${seconds.toFixed(1)} s`, line(header), ...rows.map(line)];
  const balanced = stats.emitted === delivered + stats.dropped;
  out.push(`  events: ${stats.emitted} emitted = ${delivered} delivered + ${stats.dropped} dropped${balanced ? '' : '  (does not balance: a guru bug)'}`);
  if (stats.tvarOverflow) out.push(`  thread variable table full ${stats.tvarOverflow} times (those writes faulted)`);
  if (stats.wildcardSkipped) out.push(`  ${stats.wildcardSkipped} wildcard matches could not be probed (see dmesg)`);
  return out.join('\n') + '\n';
}
