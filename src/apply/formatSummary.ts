// The end-of-session summary (docs/supervision.md): per probe hits, guard misses,
// writes, kprobe nmissed and faults; and the event accounting, which must
// balance exactly: emitted = delivered + dropped.
import type { Manifest, ManifestProbe } from '../render/manifest.js';
import type { GuruEvent } from './decodeRecords.js';
import type { ModuleStats } from './moduleStats.js';
import { signalOutcome } from './signalOutcome.js';
import { formatKnobValues, type ModuleKnobs } from './knobs.js';

/**
 * SIGNALS: the session's raise() records, each said in the summary (at most
 * 20 by name). KNOBS: the knobs' values at the end and how many changes
 * the stream reported (undefined: a module without a params file).
 * ABSENT: the loadable modules wildcard matches sit in (`kprobe:*:FUNC`'s
 * MODULE:FUNC) that were not loaded when the patch was, so the kernel had
 * no such function then (ENOENT), whatever it has now.
 */
export function formatSummary(
  manifest: Manifest,
  stats: ModuleStats,
  delivered: number,
  seconds: number,
  reason: string,
  signals: readonly Extract<GuruEvent, { type: 'signal' }>[] = [],
  knobs?: ModuleKnobs & { changes: number },
  absent: ReadonlySet<string> = new Set(),
): string {
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
  if (signals.length) {
    const sent = signals.filter((s) => s.result >= 0).length;
    const shown = signals.slice(0, 20).map((s) => `    ${signalOutcome(s)} (probe ${s.probe})`);
    out.push(`  signals: ${signals.length} raised, ${sent} sent`, ...shown, ...(signals.length > shown.length ? [`    and ${signals.length - shown.length} more`] : []));
  }
  if (knobs && (knobs.changes || manifest.params.length || knobs.knobs.some((k) => k.name === 'enabled' && k.value !== 1n))) {
    out.push(`  knobs: ${formatKnobValues(knobs.knobs)}${knobs.changes ? ` (${knobs.changes} change${knobs.changes === 1 ? '' : 's'} while armed, in the events above)` : ''}`);
  }
  if (stats.tvarOverflow) out.push(`  thread variable table full ${stats.tvarOverflow} times (those writes faulted)`);
  for (const p of manifest.probes) if (p.matched) out.push(wildcardLine(p, stats, absent));
  return out.join('\n') + '\n';
}

/** Why the kernel refuses a kprobe, by errno (register_kprobe). */
const REFUSALS: Readonly<Record<number, string>> = {
  2: 'ENOENT: the kernel has no such function',
  16: 'EBUSY: another tracer holds the address',
  17: 'EEXIST: already probed',
  22: 'EINVAL: the kernel refuses kprobes there (its blacklist, notrace or __kprobes code)',
  84: 'EILSEQ: not at an instruction boundary',
  95: 'EOPNOTSUPP: the kernel cannot probe there',
};

/** The loadable module a wildcard's match sits in: MODULE of a MODULE:FUNC label (a module wildcard's), else the probe's own module (kprobe:MODULE:GLOB). */
export function matchModule(p: Pick<ManifestProbe, 'module'>, label: string | undefined): string | undefined {
  const colon = label?.indexOf(':') ?? -1;
  return colon > 0 ? label!.slice(0, colon) : p.module;
}

/** Why the kernel refused a match: ENOENT in a module that was not loaded then says that, not that the kernel has no such function. */
function refusal(error: number, module: string | undefined, absent: ReadonlySet<string>): string {
  if (error === -2 && module !== undefined && absent.has(module)) return `the module ${module} was not loaded when the patch was`;
  return REFUSALS[-error] ?? `error ${error}`;
}

/**
 * A wildcard probe: how many functions it matched, how many are probed,
 * and by name which are not and why (left out by guru, or refused by the
 * kernel at load time as the module's wildcards file says).
 */
function wildcardLine(p: ManifestProbe, stats: ModuleStats, absent: ReadonlySet<string>): string {
  const matched = p.matched!;
  // A match sharing another probe's kernel probe has that one's state: probed
  // when a named probe's (the module armed), else as its owner's line says.
  const shared = (p.sharedMatches ?? []).map((m) => ({
    probe: p.id,
    match: m.match,
    error: m.owner ? stats.wildcards.find((w) => w.probe === m.owner!.probe && w.match === m.owner!.match)?.error ?? 0 : 0,
  }));
  const states = [...stats.wildcards.filter((w) => w.probe === p.id), ...shared];
  const probed = states.filter((w) => w.error === 0).length;
  const not = [
    ...(p.leftOut ?? []).map((l) => `${l.symbol} (${l.why})`),
    ...states.filter((w) => w.error !== 0).map((w) => `${matched[w.match] ?? `match ${w.match}`} (${refusal(w.error, matchModule(p, matched[w.match]), absent)})`),
  ];
  const shown = not.slice(0, 20);
  return `  probe ${p.id} ${p.on}: ${matched.length} matched, ${probed} probed${not.length ? `; not probed: ${shown.join(', ')}${not.length > shown.length ? `, and ${not.length - shown.length} more` : ''}` : ''}`;
}
