// Turning an offset inside an expression's text into a place in the spec file.
// The expression compiler reports errors as offsets into ExprSource.text; this
// is the one function that knows how text and file positions line up.
import type { SourceSpan } from '../diagnostics/diagnostic.js';
import type { ExprSegment, ExprSource } from './types.js';

/** The file span of `length` characters of `expr.text` starting at `offset`. */
export function spanInExpr(expr: ExprSource, offset: number, length = 1): SourceSpan {
  const segment = segmentAt(expr.segments, offset);
  if (!segment) {
    return { ...expr.span, col: expr.span.col + offset, length: Math.max(1, length) };
  }
  return {
    file: expr.span.file,
    line: segment.line,
    col: segment.col + (offset - segment.offset),
    length: Math.max(1, length),
  };
}

function segmentAt(segments: ExprSegment[] | undefined, offset: number): ExprSegment | undefined {
  if (!segments || segments.length === 0) return undefined;
  let found = segments[0];
  for (const segment of segments) {
    if (segment.offset > offset) break;
    found = segment;
  }
  return found;
}
