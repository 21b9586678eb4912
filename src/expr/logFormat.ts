// printf formats (log(), printf(), sprintf()): C's conversions for the
// values guru has — %d %i %u %x %X %o %c %p %s and %% — with C's flags
// (- 0 + space #), width, precision and length modifiers. Every guru integer
// is 64-bit (as SystemTap's are), so a conversion without a modifier prints
// all of it; hh and h narrow the value to 8 and 16 bits first, as C
// converts to char and short; l, ll, z, j and t say 64-bit, which it
// already is. Checked against the arguments at check time and applied in
// user space when events arrive.
import type { ValueType } from './ir.js';

export type ConversionChar = 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c' | 'p' | 's';

export interface Conversion {
  /** Offset of the `%` in the format string. */
  index: number;
  spec: string;
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  /** Bits the value is narrowed to before it is printed (hh: 8, h: 16). */
  bits: 8 | 16 | 64;
  conv: ConversionChar;
}

export type FormatPiece = string | Conversion;

const CONVERSION = /%([-0+ #]*)(\*|[0-9]*)(?:\.(\*|[0-9]*))?(hh|h|ll|l|z|j|t|L|q)?([a-zA-Z%])?/y;

/** Conversions C has and guru refuses, with why: guru has no floating point, and no output through pointers. */
const REFUSED: Record<string, string> = {
  f: 'guru has no floating-point values',
  F: 'guru has no floating-point values',
  e: 'guru has no floating-point values',
  E: 'guru has no floating-point values',
  g: 'guru has no floating-point values',
  G: 'guru has no floating-point values',
  a: 'guru has no floating-point values',
  A: 'guru has no floating-point values',
  n: '%n writes through a pointer, which a format never does in guru',
  m: "SystemTap's %m (memory as text) is not supported; read it with user_string(p, n) or kernel_string(p, n) and print %s",
  M: "SystemTap's %M (memory as hex) is not supported; print the bytes as integers with %x",
  b: "SystemTap's %b (binary output) is not supported; print integers with %d or %x",
};

export class FormatError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const SUPPORTED = '%d %i %u %x %X %o %c %p %s and %%, with flags (- 0 + space #), a width, a .precision and C lengths (hh h l ll z j t)';

export function parseLogFormat(fmt: string): FormatPiece[] {
  const pieces: FormatPiece[] = [];
  let text = '';
  for (let i = 0; i < fmt.length; ) {
    if (fmt[i] !== '%') {
      text += fmt[i++];
      continue;
    }
    CONVERSION.lastIndex = i;
    const m = CONVERSION.exec(fmt)!;
    const [spec, flags, width, precision, length, conv] = m;
    if (!conv) throw new FormatError('incomplete conversion at the end of the format', i, 'write %% for a literal percent sign');
    if (conv === '%') {
      if (spec !== '%%') throw new FormatError(`${spec} is not a conversion`, i, 'write %% for a literal percent sign');
      text += '%';
      i += spec.length;
      continue;
    }
    if (width === '*' || precision === '*') {
      throw new FormatError(`${spec}: a width or precision taken from an argument (*) is not supported`, i, 'write the number into the format: %-10s, %.5s');
    }
    if (REFUSED[conv]) throw new FormatError(`unsupported conversion %${conv}: ${REFUSED[conv]}`, i, `formats take ${SUPPORTED}`);
    if (!'diuxXocps'.includes(conv)) throw new FormatError(`unsupported conversion %${conv}`, i, `formats take ${SUPPORTED}`);
    if (length === 'L' || length === 'q') throw new FormatError(`${spec}: the length ${length} is not supported`, i, 'integers take hh, h, l, ll, z, j or t');
    if (length && 'csp'.includes(conv)) {
      throw new FormatError(`${spec}: %${conv} takes no length modifier`, i, conv === 's' ? 'write %s (wide strings do not exist in the kernel)' : `write %${conv}`);
    }
    if (text) pieces.push(text);
    text = '';
    pieces.push({
      index: i,
      spec,
      flags,
      width: width ? Number(width) : undefined,
      precision: precision === undefined ? undefined : Number(precision || '0'),
      bits: length === 'hh' ? 8 : length === 'h' ? 16 : 64,
      conv: conv as ConversionChar,
    });
    i += spec.length;
  }
  if (text) pieces.push(text);
  return pieces;
}

/** The kind of value a conversion prints: %s a string (or anything shown as text), the others an integer. */
export function conversionType(c: Conversion): ValueType {
  return c.conv === 's' ? 'string' : 'int';
}

/** One conversion applied to its value, as C's printf does it. */
export function formatConversion(c: Conversion, value: bigint | string): string {
  if (c.conv === 's') {
    const s = String(value);
    return pad(c, c.precision === undefined ? s : s.slice(0, c.precision), '');
  }
  const n = typeof value === 'bigint' ? value : BigInt(value);
  if (c.conv === 'c') return pad(c, String.fromCharCode(Number(BigInt.asUintN(8, n))), '');
  if (c.conv === 'p') return pad(c, digits(c, BigInt.asUintN(64, n).toString(16)), '0x');
  const signed = c.conv === 'd' || c.conv === 'i';
  const v = signed ? BigInt.asIntN(c.bits, n) : BigInt.asUintN(c.bits, n);
  const magnitude = v < 0n ? -v : v;
  let body = c.conv === 'x' ? magnitude.toString(16) : c.conv === 'X' ? magnitude.toString(16).toUpperCase() : c.conv === 'o' ? magnitude.toString(8) : magnitude.toString();
  body = digits(c, body, magnitude);
  let prefix = '';
  if (signed) prefix = v < 0n ? '-' : c.flags.includes('+') ? '+' : c.flags.includes(' ') ? ' ' : '';
  else if (c.flags.includes('#') && magnitude !== 0n) {
    if (c.conv === 'x') prefix = '0x';
    else if (c.conv === 'X') prefix = '0X';
    else if (c.conv === 'o' && !body.startsWith('0')) body = '0' + body;
  }
  return pad(c, body, prefix);
}

/** Digits with the precision applied: at least that many, and none for a zero at precision 0. */
function digits(c: Conversion, body: string, magnitude?: bigint): string {
  if (c.precision === undefined) return body;
  if (c.precision === 0 && magnitude === 0n) return c.conv === 'o' && c.flags.includes('#') ? '0' : '';
  return body.padStart(c.precision, '0');
}

/** Width: spaces before (or after, with -), or zeros between the sign or 0x and the digits. */
function pad(c: Conversion, body: string, prefix: string): string {
  const len = prefix.length + body.length;
  if (c.width === undefined || len >= c.width) return prefix + body;
  const fill = c.width - len;
  if (c.flags.includes('-')) return prefix + body + ' '.repeat(fill);
  const zeros = c.flags.includes('0') && c.conv !== 's' && c.conv !== 'c' && (c.precision === undefined || c.conv === 'p');
  return zeros ? prefix + '0'.repeat(fill) + body : ' '.repeat(fill) + prefix + body;
}

/** Apply a parsed format to values already shown as text where the conversion is %s. */
export function applyLogFormat(pieces: FormatPiece[], values: (bigint | string)[]): string {
  let out = '';
  let v = 0;
  for (const p of pieces) out += typeof p === 'string' ? p : formatConversion(p, values[v++]!);
  return out;
}
