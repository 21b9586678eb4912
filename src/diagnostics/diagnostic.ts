// A diagnostic is a message tied to a place in a spec file, bpftrace style:
// file:line:col, the source line, a caret under the span, and a hint.

/** 1-based line and column of a span in a spec file. */
export interface SourceSpan {
  file: string;
  line: number;
  col: number;
  /** Length of the span on its line, in characters (at least 1 for the caret). */
  length: number;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  span: SourceSpan;
  hint?: string;
}
