// Decoding the binary event records the kernel side writes into the event
// channel (layout: struct guru_rec_hdr and friends in kmod/guru_runtime.h).
import { InternalError } from '../errors.js';
import { logParts } from '../expr/logArg.js';
import type { Manifest } from '../render/manifest.js';

export const REC_HEADER_SIZE = 24;
export const REC_LOG = 1;
export const REC_FAULT = 2;
export const REC_STOP = 3;
export const REC_BACKTRACE = 4;
export const REC_SIGNAL = 5;
export const REC_KNOB = 6;
export const REC_MAP = 7;
/** A string length that marks an address nothing could be read at (GURU_STR_UNREADABLE). */
const STR_UNREADABLE = 0xffff;

/** One recorded part of a log argument: an integer, a string (null: unreadable), a stack's return addresses. */
export type LogPartValue = bigint | string | null | bigint[];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A string the kernel copied (a comm, user or kernel memory) as text: its
 * bytes read as UTF-8 when they are UTF-8 (a task named héllo prints as
 * such), otherwise ASCII as it is and every other byte as \xNN, so no
 * byte is lost or mistaken for another character.
 */
export function eventString(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let out = '';
    for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    return out;
  }
}

const FAULT_KINDS: Record<number, string> = {
  1: 'user memory not readable',
  2: 'kernel address not readable',
  3: 'division by zero',
  4: 'thread variable table full',
  5: 'kernel address not writable',
  6: 'entry value not captured for this call (the function was entered before the probes were armed, or again since)',
  7: 'user memory not writable',
  8: 'kernel call not made: it had to wait for interrupts (NMI context or interrupts off) and every waiting slot was in use, or it was made from inside another deferred call',
};

interface RecordBase {
  cpu: number;
  pid: number;
  tid: number;
  nsecs: bigint;
}

export type GuruEvent =
  | (RecordBase & { type: 'log'; format: number; probe: number; parts: LogPartValue[] })
  | (RecordBase & { type: 'fault'; probe: number; kind: string; line: number; addr: bigint })
  | (RecordBase & { type: 'stop'; probe: number })
  | (RecordBase & { type: 'backtrace'; probe: number; addrs: bigint[] })
  /** raise(SIG): result 0 sent, 1 sent from an irq_work (NMI context), negative: not sent (-errno). */
  | (RecordBase & { type: 'signal'; probe: number; sig: number; result: number })
  /**
   * A knob changed while armed (guru set): knob 0 is enabled, 1 + i the
   * manifest's param i; pid is the process that changed it. ms: how long
   * a disable-for disables for.
   */
  | (RecordBase & { type: 'knob'; knob: number; name: string; old: bigint; value: bigint; cause: KnobCause; ms: number })
  /** print(@x[, top]) or clear(@x) in a probe: for the supervisor to do (mapOperations.ts); map is the manifest's map id, top 0 all keys. */
  | (RecordBase & { type: 'map'; probe: number; map: number; op: MapOp; top: number });

export type MapOp = 'print' | 'clear';
const MAP_OPS: Record<number, MapOp> = { 1: 'print', 2: 'clear' };

export type KnobCause = 'set' | 'disable-for' | 'reenabled';
const KNOB_CAUSES: Record<number, KnobCause> = { 1: 'set', 2: 'disable-for', 3: 'reenabled' };

/** A stack in a record: a u16 count, then that many u64 addresses. */
function readStack(body: Buffer, p: number): { addrs: bigint[]; next: number } {
  const n = body.readUInt16LE(p);
  const addrs: bigint[] = [];
  for (let i = 0; i < n; i++) addrs.push(body.readBigUInt64LE(p + 2 + 8 * i));
  return { addrs, next: p + 2 + 8 * n };
}

/**
 * Decode every whole record in `buf`. read() on the channel only ever
 * returns whole records, so a partial one is a protocol error.
 */
export function decodeRecords(buf: Buffer, manifest: Manifest): GuruEvent[] {
  const events: GuruEvent[] = [];
  for (let off = 0; off < buf.length; ) {
    if (buf.length - off < REC_HEADER_SIZE) throw new InternalError(`truncated event record header at byte ${off}`);
    const size = buf.readUInt16LE(off);
    if (size < REC_HEADER_SIZE || off + size > buf.length) throw new InternalError(`bad event record size ${size} at byte ${off}`);
    const base: RecordBase = { cpu: buf.readUInt16LE(off + 6), pid: buf.readUInt32LE(off + 8), tid: buf.readUInt32LE(off + 12), nsecs: buf.readBigUInt64LE(off + 16) };
    const type = buf.readUInt16LE(off + 2);
    const id = buf.readUInt16LE(off + 4);
    const body = buf.subarray(off + REC_HEADER_SIZE, off + size);
    switch (type) {
      case REC_LOG: {
        const format = manifest.formats[id];
        if (!format) throw new InternalError(`event names log format ${id}, which the manifest lacks`);
        const parts: LogPartValue[] = [];
        let p = 0;
        for (const t of format.args.flatMap(logParts)) {
          if (t === 'int') {
            parts.push(body.readBigInt64LE(p));
            p += 8;
          } else if (t === 'string') {
            const len = body.readUInt16LE(p);
            if (len === STR_UNREADABLE) {
              parts.push(null);
              p += 2;
            } else {
              parts.push(eventString(body.subarray(p + 2, p + 2 + len)));
              p += 2 + len;
            }
          } else {
            const stack = readStack(body, p);
            parts.push(stack.addrs);
            p = stack.next;
          }
        }
        events.push({ ...base, type: 'log', format: id, probe: format.probe, parts });
        break;
      }
      case REC_FAULT:
        events.push({ ...base, type: 'fault', probe: id, kind: FAULT_KINDS[body.readUInt32LE(0)] ?? `fault ${body.readUInt32LE(0)}`, line: body.readUInt32LE(4), addr: body.readBigUInt64LE(8) });
        break;
      case REC_STOP:
        events.push({ ...base, type: 'stop', probe: id });
        break;
      case REC_SIGNAL:
        events.push({ ...base, type: 'signal', probe: id, sig: body.readInt32LE(0), result: body.readInt32LE(4) });
        break;
      case REC_KNOB: {
        const name = id === 0 ? 'enabled' : manifest.params[id - 1]?.name;
        if (name === undefined) throw new InternalError(`event names knob ${id}, which the manifest lacks`);
        const cause = KNOB_CAUSES[body.readUInt32LE(16)];
        if (!cause) throw new InternalError(`knob event with unknown cause ${body.readUInt32LE(16)}`);
        events.push({ ...base, type: 'knob', knob: id, name, old: body.readBigInt64LE(0), value: body.readBigInt64LE(8), cause, ms: Number(body.readBigUInt64LE(24)) });
        break;
      }
      case REC_MAP: {
        const map = body.readUInt16LE(0);
        const op = MAP_OPS[body.readUInt16LE(2)];
        if (!op) throw new InternalError(`map event with unknown operation ${body.readUInt16LE(2)}`);
        if (!manifest.maps?.some((m) => m.id === map)) throw new InternalError(`event names map ${map}, which the manifest lacks`);
        events.push({ ...base, type: 'map', probe: id, map, op, top: body.readUInt32LE(4) });
        break;
      }
      case REC_BACKTRACE:
        events.push({ ...base, type: 'backtrace', probe: id, addrs: readStack(body, 0).addrs });
        break;
      default:
        throw new InternalError(`unknown event record type ${type}`);
    }
    off += size;
  }
  return events;
}
