// Events as users read them: text (log() and printf() output as their
// formats say, faults and backtraces marked), or one JSON object per line
// with --json.
import type { Manifest } from '../render/manifest.js';
import type { GuruEvent } from './decodeRecords.js';
import type { MapValues } from './aggregateSnapshot.js';
import { KallsymsTable, type SymbolLookup } from './kernelSymbols.js';
import { fromEventSite, showArg, showFormat, stackFrames, type ShowContext } from './showLogArgs.js';
import { signalOutcome } from './signalOutcome.js';
import { knobChangeText, type KnobEvent } from './knobChange.js';
import { knobValueText } from './knobs.js';
import { UserStacks } from './userStacks.js';

export class EventFormatter {
  private readonly show: ShowContext;

  /** SYMBOLS names kernel stack frames: /proc/kallsyms of the kernel the events come from, by default. */
  constructor(
    private readonly manifest: Manifest,
    symbols: SymbolLookup = new KallsymsTable(),
    /** Names user stacks: from /proc/PID/maps of the processes the events come from, by default. */
    users: UserStacks = new UserStacks(),
    /** The module's maps now, for SystemTap's extractors in printf()/log() (@count(x), @hist_log(x)); without it they show 0 and nothing. */
    maps?: () => readonly MapValues[],
  ) {
    this.show = { symbols, errnoNames: manifest.errnoNames ?? {}, users, ...(maps ? { maps } : {}) };
  }

  /**
   * The text of an event. printf() output is exactly what its format
   * says, so it may be part of a line; log() output is a line, ending in a
   * newline; faults and backtraces are whole lines.
   */
  text(e: GuruEvent): string {
    if (e.type === 'knob') return `guru: ${knobChangeText(e, this.manifest)}\n`;
    const where = this.manifest.probes[e.probe]?.on ?? `probe ${e.probe}`;
    const show = this.showFor(e);
    switch (e.type) {
      case 'log': {
        const f = this.manifest.formats[e.format]!;
        const s = showFormat(f.fmt, f.args, e.parts, 0, show).text;
        return f.exact || s.endsWith('\n') ? s : s + '\n';
      }
      case 'fault':
        return `guru: fault in ${where} (${this.manifest.specFile}:${e.line}): ${e.kind}${e.addr ? ` at 0x${e.addr.toString(16)}` : ''} [pid ${e.pid}]\n`;
      case 'stop':
      case 'map':
        return ''; // what a print() shows is the supervisor's (mapOperations.ts)
      case 'backtrace':
        return `backtrace at ${where} [pid ${e.pid} tid ${e.tid}]:\n${stackFrames(this.addrs(e), 'guru', show.symbols).map((f) => ` ${f}\n`).join('')}`;
      case 'signal':
        return `guru: ${signalOutcome(e)} [${where}]\n`;
    }
  }

  /** How the event's values are shown: a tracepoint's stacks start where the event fired. */
  private showFor(e: Exclude<GuruEvent, KnobEvent>): ShowContext {
    // One snapshot of the maps per event, taken when it is shown, however many extractors it has.
    const read = this.show.maps;
    let snapshot: readonly MapValues[] | undefined;
    const maps = read && (() => (snapshot ??= read()));
    const show = { ...this.show, pid: e.pid, ...(maps ? { maps } : {}) };
    return this.manifest.probes[e.probe]?.kind === 'tracepoint' ? { ...show, tracepoint: true } : show;
  }

  private addrs(e: GuruEvent & { type: 'backtrace' }): bigint[] {
    return this.showFor(e).tracepoint ? fromEventSite(e.addrs, this.show.symbols) : e.addrs;
  }

  json(e: GuruEvent): string {
    if (e.type === 'knob') {
      const type = e.knob === 0 ? 'bool' : this.manifest.params[e.knob - 1]?.type;
      const value = (v: bigint) => knobValueText(v, type);
      return JSON.stringify({ type: 'knob', knob: e.name, old: value(e.old), value: value(e.value), cause: e.cause, ...(e.cause === 'disable-for' ? { ms: e.ms } : {}), pid: e.pid, nsecs: e.nsecs.toString(), text: knobChangeText(e, this.manifest) }) + '\n';
    }
    const probe = this.manifest.probes[e.probe];
    const common = { type: e.type, probe: e.probe, on: probe?.on, pid: e.pid, tid: e.tid, cpu: e.cpu, nsecs: e.nsecs.toString() };
    switch (e.type) {
      case 'log': {
        const f = this.manifest.formats[e.format]!;
        const show = this.showFor(e);
        let at = 0;
        const values = f.args.map((a) => {
          const shown = showArg(a, e.parts, at, show);
          at = shown.next;
          return typeof shown.value === 'bigint' ? shown.value.toString() : shown.value;
        });
        return JSON.stringify({ ...common, text: showFormat(f.fmt, f.args, e.parts, 0, show).text, values }) + '\n';
      }
      case 'fault':
        return JSON.stringify({ ...common, fault: e.kind, line: e.line, addr: '0x' + e.addr.toString(16) }) + '\n';
      case 'stop':
        return JSON.stringify(common) + '\n';
      case 'map':
        return JSON.stringify({ ...common, op: e.op, map: this.manifest.maps?.find((m) => m.id === e.map)?.name }) + '\n';
      case 'backtrace':
        return JSON.stringify({ ...common, frames: stackFrames(this.addrs(e), 'guru', this.show.symbols), addrs: this.addrs(e).map((a) => '0x' + a.toString(16)) }) + '\n';
      case 'signal':
        return JSON.stringify({ ...common, signal: e.sig, sent: e.result >= 0, text: signalOutcome(e) }) + '\n';
    }
  }
}

/**
 * Output lines from events of many threads at once: what printf() prints
 * without a newline waits for the rest of its line from the same thread,
 * so lines of different threads never mix. Whole lines pass at once; guru's
 * own lines (faults, backtrace()) start on a line of their own.
 */
export class LineAssembler {
  private readonly pending = new Map<number, string>();

  /** An event of TID's: printf()/log() text as it is, guru's own lines after the thread's unfinished line. */
  event(tid: number, e: GuruEvent, text: string): string {
    if (e.type === 'log' || !text) return this.push(tid, text);
    return this.push(tid, this.pending.has(tid) ? '\n' + text : text);
  }

  /** Text TID printed; returns what can be written now (whole lines). */
  push(tid: number, text: string): string {
    const all = (this.pending.get(tid) ?? '') + text;
    const end = all.lastIndexOf('\n') + 1;
    if (end < all.length) this.pending.set(tid, all.slice(end));
    else this.pending.delete(tid);
    return all.slice(0, end);
  }

  /** At the end of a session: every unfinished line, each ended with a newline. */
  flush(): string {
    const out = [...this.pending.values()].map((s) => s + '\n').join('');
    this.pending.clear();
    return out;
  }
}
