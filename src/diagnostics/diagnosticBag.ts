// The diagnostics of one spec, collected by every pass (parse, resolve,
// compile, plan) so that a run reports all of a spec's problems at once:
// errors refuse the spec; warnings are printed and the command goes on.
//
// Adding a warning is one line where the pass notices the problem:
//   bag.warning(span, 'what is wrong', 'what to do instead');
import type { Diagnostic, SourceSpan } from './diagnostic.js';

export class DiagnosticBag {
  /** In the order reported; `sorted()` gives file order. */
  readonly all: Diagnostic[] = [];

  error(span: SourceSpan, message: string, hint?: string): void {
    this.all.push(hint === undefined ? { severity: 'error', message, span } : { severity: 'error', message, span, hint });
  }

  warning(span: SourceSpan, message: string, hint?: string): void {
    this.all.push(hint === undefined ? { severity: 'warning', message, span } : { severity: 'warning', message, span, hint });
  }

  hasErrors(): boolean {
    return this.all.some((d) => d.severity === 'error');
  }

  warnings(): Diagnostic[] {
    return sortDiagnostics(this.all.filter((d) => d.severity === 'warning'));
  }

  sorted(): Diagnostic[] {
    return sortDiagnostics(this.all);
  }
}

/** File order: by line, then column (stable, so one place keeps its report order). */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
}
