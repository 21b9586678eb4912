// log() formats: a printf subset (%d %u %x %s %p %%, with optional `-`/`0`
// flags, a width, and C length modifiers that are accepted and ignored since
// every integer is 64-bit). Checked against the arguments at check time and
// applied in user space when events arrive.
import type { ValueType } from './ir.js';

export interface Conversion {
  /** Offset of the `%` in the format string. */
  index: number;
  spec: string;
  flags: string;
  width: number | undefined;
  conv: 'd' | 'u' | 'x' | 's' | 'p';
}

export type FormatPiece = string | Conversion;

const CONVERSION = /%([-0]*)([0-9]*)(hh|h|ll|l|z)?([a-zA-Z%])/y;

export class FormatError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function parseLogFormat(fmt: string): FormatPiece[] {
  const pieces: FormatPiece[] = [];
  let text = '';
  for (let i = 0; i < fmt.length; ) {
    if (fmt[i] !== '%') {
      text += fmt[i++];
      continue;
    }
    CONVERSION.lastIndex = i;
    const m = CONVERSION.exec(fmt);
    if (!m) throw new FormatError('incomplete conversion at the end of the format', i, 'write %% for a literal percent sign');
    if (m[4] === '%') {
      text += '%';
      i += m[0].length;
      continue;
    }
    if (!'duxsp'.includes(m[4])) {
      throw new FormatError(`unsupported conversion %${m[4]} in log format`, i, 'log() supports %d %u %x %s %p and %%');
    }
    if (text) pieces.push(text);
    text = '';
    pieces.push({ index: i, spec: m[0], flags: m[1], width: m[2] ? Number(m[2]) : undefined, conv: m[4] as Conversion['conv'] });
    i += m[0].length;
  }
  if (text) pieces.push(text);
  return pieces;
}

export function conversionType(c: Conversion): ValueType {
  return c.conv === 's' ? 'string' : 'int';
}

/** Apply a parsed format to decoded values (user space). */
export function applyLogFormat(pieces: FormatPiece[], values: (bigint | string)[]): string {
  let out = '';
  let v = 0;
  for (const p of pieces) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const value = values[v++];
    let s: string;
    if (p.conv === 's') s = String(value);
    else {
      const n = BigInt(value as bigint);
      const unsigned = BigInt.asUintN(64, n);
      s = p.conv === 'd' ? BigInt.asIntN(64, n).toString() : p.conv === 'u' ? unsigned.toString() : p.conv === 'x' ? unsigned.toString(16) : '0x' + unsigned.toString(16);
    }
    if (p.width !== undefined && s.length < p.width) {
      const pad = p.width - s.length;
      if (p.flags.includes('-')) s = s + ' '.repeat(pad);
      else if (p.flags.includes('0') && p.conv !== 's') s = s.startsWith('-') ? '-' + '0'.repeat(pad) + s.slice(1) : '0'.repeat(pad) + s;
      else s = ' '.repeat(pad) + s;
    }
    out += s;
  }
  return out;
}
