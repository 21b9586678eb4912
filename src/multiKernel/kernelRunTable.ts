// The result of running one thing on several kernels, as a table: per
// kernel its release, the exit code and its output, so the kernels where a
// bug reproduces stand out. Standard output goes in the table (line by
// line); standard error, which is long for `guru apply` (the summary),
// follows the table per kernel.

export interface KernelRunResult {
  /** The kernel as the user named it (debian:7.3). */
  kernel: string;
  /** Its `uname -r`, when it could be resolved. */
  release?: string;
  /** The command's exit code; undefined when it never ran (see error). */
  exitCode?: number;
  timedOut?: boolean;
  stdout: string;
  stderr: string;
  /** Why it did not run (the kernel could not be added, the module not built). */
  error?: string;
}

export function formatKernelRunTable(results: KernelRunResult[]): string {
  const rows: string[][] = [['KERNEL', 'RELEASE', 'EXIT', 'OUTPUT']];
  for (const r of results) {
    const exit = r.error ? 'error' : r.timedOut ? 'timeout' : String(r.exitCode);
    const lines = r.error ? [r.error.split('\n')[0]] : outputLines(r.stdout);
    lines.forEach((line, i) => rows.push(i === 0 ? [r.kernel, r.release ?? '-', exit, line] : ['', '', '', line]));
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const table = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
  const details = results
    .filter((r) => r.stderr.trim() || (r.error && r.error.includes('\n')))
    .map((r) => `\n${r.kernel} (${r.release ?? 'not run'}), standard error:\n${indent(r.error ?? r.stderr)}`)
    .join('');
  return table + details;
}

/** Lines of OUTPUT; a run with no output shows "(no output)". */
function outputLines(text: string): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.length === 1 && lines[0] === '' ? ['(no output)'] : lines;
}

function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n') + '\n';
}

/** guru's exit code for the whole run: 0 when every kernel's command exited 0, else the first kernel's that did not. */
export function combinedExitCode(results: KernelRunResult[], errorExitCode: (r: KernelRunResult) => number): number {
  for (const r of results) {
    if (r.error) return errorExitCode(r);
    if (r.exitCode !== 0) return r.exitCode ?? 1;
  }
  return 0;
}
