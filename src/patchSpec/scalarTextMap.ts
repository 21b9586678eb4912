// Where each character of a YAML scalar's value sits in the file.
//
// Expressions and probe points are YAML scalars; diagnostics about them point
// at characters INSIDE the value. YAML changes text on the way in (quotes,
// `''`, `\"` escapes, indentation, line folding), so value offset k is
// column start+k only for the simplest scalars. We recover the mapping by
// walking the value and the raw source side by side: each value character
// either equals the next raw character, or the raw character is syntax that
// YAML dropped (indentation, line breaks, escape backslashes), or the value
// character is whitespace that folding produced.
import type { Scalar } from 'yaml';
import type { LineCounter } from 'yaml';
import type { SourceSpan } from '../diagnostics/diagnostic.js';
import type { ExprSegment, ExprSource } from './types.js';

/** A decoded unit of raw source: the text it stands for in the value, and where it starts. */
interface RawUnit {
  decoded: string;
  start: number;
}

export interface ScalarTextMap {
  /** Source offset of the first character of the value (also meaningful for an empty value). */
  contentStart: number;
  /** Contiguous runs; always at least one. */
  segments: ExprSegment[];
}

export function mapScalarText(node: Scalar, value: string, sourceText: string, lineCounter: LineCounter): ScalarTextMap {
  const [start, valueEnd] = node.range ?? [0, 0];
  const { contentStart, units } = rawUnits(node.type, sourceText, start, valueEnd);
  const positions = align(value, units);
  const toSegment = (offset: number, sourceOffset: number): ExprSegment => {
    const { line, col } = lineCounter.linePos(sourceOffset);
    return { offset, line, col };
  };
  if (!positions || positions.length === 0) {
    // Not expected for values YAML accepted; the first character stays exact.
    return { contentStart, segments: [toSegment(0, contentStart)] };
  }
  const segments: ExprSegment[] = [toSegment(0, positions[0])];
  for (let i = 1; i < positions.length; i++) {
    const contiguous = positions[i] === positions[i - 1] + 1 && sourceText[positions[i - 1]] !== '\n';
    if (!contiguous) segments.push(toSegment(i, positions[i]));
  }
  return { contentStart: positions[0], segments };
}

/** The file span of `length` value characters from `offset`, under a text map. */
export function spanInScalar(map: ScalarTextMap, file: string, offset: number, length: number): SourceSpan {
  let segment = map.segments[0];
  for (const s of map.segments) {
    if (s.offset > offset) break;
    segment = s;
  }
  const next = map.segments.find((s) => s.offset > segment.offset);
  const runEnd = next ? next.offset : Infinity;
  const clipped = Math.min(offset + length, runEnd) - offset;
  return { file, line: segment.line, col: segment.col + (offset - segment.offset), length: Math.max(1, clipped) };
}

/** An ExprSource for a scalar: span at its first character, segments only when needed. */
export function exprSourceOf(map: ScalarTextMap, file: string, text: string): ExprSource {
  const first = map.segments[0];
  const firstRunLength = (map.segments[1]?.offset ?? text.length) - first.offset;
  const span: SourceSpan = { file, line: first.line, col: first.col, length: Math.max(1, firstRunLength) };
  return map.segments.length > 1 ? { text, span, segments: map.segments } : { text, span };
}

function rawUnits(type: Scalar['type'], src: string, start: number, valueEnd: number): { contentStart: number; units: RawUnit[] } {
  switch (type) {
    case 'QUOTE_SINGLE':
      return { contentStart: start + 1, units: singleQuotedUnits(src, start + 1, valueEnd - 1) };
    case 'QUOTE_DOUBLE':
      return { contentStart: start + 1, units: doubleQuotedUnits(src, start + 1, valueEnd - 1) };
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      // The value starts on the line after the `|`/`>` header (which may carry a comment).
      const headerEnd = src.indexOf('\n', start);
      const bodyStart = headerEnd < 0 ? valueEnd : headerEnd + 1;
      const units = plainUnits(src, bodyStart, valueEnd);
      const firstContent = units.find((u) => !isWhitespace(u.decoded));
      return { contentStart: firstContent?.start ?? bodyStart, units };
    }
    default:
      return { contentStart: start, units: plainUnits(src, start, valueEnd) };
  }
}

function plainUnits(src: string, from: number, to: number): RawUnit[] {
  const units: RawUnit[] = [];
  for (let i = from; i < to; i++) units.push({ decoded: src[i], start: i });
  return units;
}

function singleQuotedUnits(src: string, from: number, to: number): RawUnit[] {
  const units: RawUnit[] = [];
  for (let i = from; i < to; i++) {
    units.push({ decoded: src[i], start: i });
    if (src[i] === "'" && src[i + 1] === "'") i++; // `''` is one quote
  }
  return units;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPE_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

function doubleQuotedUnits(src: string, from: number, to: number): RawUnit[] {
  const units: RawUnit[] = [];
  for (let i = from; i < to; i++) {
    if (src[i] !== '\\') {
      units.push({ decoded: src[i], start: i });
      continue;
    }
    const escape = src[i + 1];
    if (escape === '\n' || escape === '\r') {
      // Escaped line break: YAML joins the lines; the break and indentation are dropped.
      units.push({ decoded: '', start: i });
      continue;
    }
    const hexLength = HEX_ESCAPE_LENGTH[escape];
    if (hexLength !== undefined) {
      const code = parseInt(src.slice(i + 2, i + 2 + hexLength), 16);
      units.push({ decoded: Number.isNaN(code) ? '' : String.fromCodePoint(code), start: i });
      i += 1 + hexLength;
      continue;
    }
    units.push({ decoded: SIMPLE_ESCAPES[escape] ?? escape ?? '', start: i });
    i++;
  }
  return units;
}

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Source offset of every value character, or undefined if the value and source do not line up. */
function align(value: string, units: RawUnit[]): number[] | undefined {
  const positions: number[] = [];
  let u = 0;
  let i = 0;
  while (i < value.length) {
    const unit = units[u];
    if (unit && unit.decoded !== '' && value.startsWith(unit.decoded, i)) {
      for (let k = 0; k < unit.decoded.length; k++) positions.push(unit.start);
      i += unit.decoded.length;
      u++;
    } else if (unit && (unit.decoded === '' || isWhitespace(unit.decoded))) {
      u++; // indentation, a folded line break, an escaped line break
    } else if (isWhitespace(value[i])) {
      positions.push(unit ? unit.start : (units[units.length - 1]?.start ?? 0)); // produced by folding
      i++;
    } else {
      return undefined;
    }
  }
  return positions;
}
