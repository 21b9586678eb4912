import type { Diagnostic } from './diagnostic.js';

/**
 * Render a diagnostic as text:
 *
 *   echo.yaml:12:9: error: unknown argument $cont of syscall:write
 *      12 |     if: $cont > 1
 *         |         ^~~~~
 *   hint: did you mean $count? arguments: $fd, $buf, $count
 */
export function formatDiagnostic(d: Diagnostic, sourceText: string): string {
  const { file, line, col, length } = d.span;
  const lines = sourceText.split('\n');
  const text = (lines[line - 1] ?? '').replace(/\t/g, ' ');
  const gutter = String(line).length + 4;
  const out = [`${file}:${line}:${col}: ${d.severity}: ${d.message}`];
  if (line >= 1 && line <= lines.length) {
    out.push(`${String(line).padStart(gutter - 1)} | ${text}`);
    const caret = '^' + '~'.repeat(Math.max(0, Math.min(length, text.length - col + 1) - 1));
    out.push(`${' '.repeat(gutter - 1)} | ${' '.repeat(Math.max(0, col - 1))}${caret}`);
  }
  if (d.hint) out.push(`hint: ${d.hint}`);
  return out.join('\n');
}

export function formatDiagnostics(ds: Diagnostic[], sourceText: string): string {
  return ds.map((d) => formatDiagnostic(d, sourceText)).join('\n\n');
}
