// print(@x) and clear(@x) in probes, done by the supervisor in the order
// their records come (kmod/guru_runtime.h, GURU_REC_MAP): a print reads the
// module's maps as they are when the record is read (a moment after the
// probe ran: what came in between is in it) and shows that map the way the
// summary shows maps; a clear asks the module to empty the map on every CPU
// (kmod/guru_agg.c, "clear N"). A timer's print-then-clear thus shows each
// period's counts, as in bpftrace.
import { readAggregates } from './aggregateSnapshot.js';
import type { GuruEvent } from './decodeRecords.js';
import { aggregatesJson, formatAggregates } from './formatAggregates.js';
import type { Manifest } from '../render/manifest.js';

export type MapEvent = Extract<GuruEvent, { type: 'map' }>;

export interface MapOperationContext {
  manifest: Manifest;
  /** Sends a command to the module's control file (ControlFile.command). */
  command: (cmd: string) => Promise<void>;
  json: boolean;
  /** --top: print(@x) without its own N shows this many keys. */
  top?: number;
  /** The terminal's columns where the events go to one (AggregateFormat.columns). */
  columns?: number;
}

/** Does E; returns what it shows in the events (text, or a JSON line), and a message for guru's own output when it could not. */
export async function mapOperation(e: MapEvent, ctx: MapOperationContext): Promise<{ events: string; message?: string }> {
  const { manifest } = ctx;
  const map = manifest.maps!.find((m) => m.id === e.map)!;
  const probe = manifest.probes[e.probe];
  const common = { type: 'map', op: e.op, map: map.name, probe: e.probe, on: probe?.on, pid: e.pid, tid: e.tid, cpu: e.cpu, nsecs: e.nsecs.toString() };
  if (e.op === 'clear') {
    try {
      await ctx.command(`clear ${map.id}`);
    } catch (err) {
      // EBUSY: a handler kept one CPU for a second (kmod/guru_agg.c): the map is left as it is, partly cleared.
      return { events: '', message: `guru: clear(${map.name}) in ${probe?.on ?? 'a probe'} failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${map.name} may hold some of what came before` };
    }
    return { events: ctx.json ? JSON.stringify(common) + '\n' : '' };
  }
  const values = readAggregates(manifest.module, manifest.maps!).filter((v) => v.map.id === map.id);
  if (ctx.json) return { events: JSON.stringify({ ...common, maps: aggregatesJson(values) }) + '\n' };
  const top = e.top || ctx.top;
  const text = formatAggregates(values, { top, topLabel: e.top ? `print(${map.name}, ${e.top})` : `--top ${top}`, columns: ctx.columns });
  // bpftrace ends a printed map with an empty line; an empty map prints nothing.
  return { events: text ? text + '\n' : '' };
}
