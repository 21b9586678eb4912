// Events as users read them: text lines (log() output, faults and
// backtraces marked), or one JSON object per line with --json.
import { applyLogFormat, parseLogFormat, type FormatPiece } from '../expr/logFormat.js';
import type { Manifest } from '../render/manifest.js';
import type { GuruEvent } from './decodeRecords.js';
import { signalOutcome } from './signalOutcome.js';

export class EventFormatter {
  private readonly pieces: FormatPiece[][];

  constructor(private readonly manifest: Manifest) {
    this.pieces = manifest.formats.map((f) => parseLogFormat(f.fmt));
  }

  text(e: GuruEvent): string {
    const where = this.manifest.probes[e.probe]?.on ?? `probe ${e.probe}`;
    switch (e.type) {
      case 'log': {
        const s = applyLogFormat(this.pieces[e.format], e.values);
        return s.endsWith('\n') ? s : s + '\n';
      }
      case 'fault':
        return `guru: fault in ${where} (${this.manifest.specFile}:${e.line}): ${e.kind}${e.addr ? ` at 0x${e.addr.toString(16)}` : ''} [pid ${e.pid}]\n`;
      case 'stop':
        return '';
      case 'backtrace':
        return `backtrace at ${where} [pid ${e.pid} tid ${e.tid}]:\n${e.frames.map((f) => ` ${f}`).join('\n')}\n`;
      case 'signal':
        return `guru: ${signalOutcome(e)} [${where}]\n`;
    }
  }

  json(e: GuruEvent): string {
    const probe = this.manifest.probes[e.probe];
    const common = { type: e.type, probe: e.probe, on: probe?.on, pid: e.pid, tid: e.tid, cpu: e.cpu, nsecs: e.nsecs.toString() };
    switch (e.type) {
      case 'log':
        return JSON.stringify({ ...common, text: applyLogFormat(this.pieces[e.format], e.values), values: e.values.map((v) => (typeof v === 'bigint' ? v.toString() : v)) }) + '\n';
      case 'fault':
        return JSON.stringify({ ...common, fault: e.kind, line: e.line, addr: '0x' + e.addr.toString(16) }) + '\n';
      case 'stop':
        return JSON.stringify(common) + '\n';
      case 'backtrace':
        return JSON.stringify({ ...common, frames: e.frames }) + '\n';
      case 'signal':
        return JSON.stringify({ ...common, signal: e.sig, sent: e.result >= 0, text: signalOutcome(e) }) + '\n';
    }
  }
}
