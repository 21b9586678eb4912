// Text output of `guru list`: one probe point per line, as `on:` takes it;
// with -v each point is followed by its C declaration and one indented line
// per target variable (name, C type, alias, writable or why unavailable),
// like `bpftrace -lv`, so grep finds points and their arguments alike.
import type { ListEntry, ListResult } from '../probeFamilies/types.js';

function targetLines(e: ListEntry): string[] {
  const ts = e.targets ?? [];
  const nameWidth = Math.max(0, ...ts.map((t) => t.name.length));
  const typeWidth = Math.max(0, ...ts.map((t) => (t.ctype ?? '').length));
  return ts.map((t) => {
    const notes = [t.alias && `alias ${t.alias}`, t.unavailable ? `unavailable: ${t.unavailable}` : t.writable && 'writable'].filter(Boolean).join(', ');
    return `    ${t.name.padEnd(nameWidth)}  ${(t.ctype ?? '').padEnd(typeWidth)}${notes ? `  ${notes}` : ''}`.trimEnd();
  });
}

export function formatListing(result: ListResult, verbose: boolean): string {
  if (!verbose) return result.entries.filter((e) => !e.refused).map((e) => `${e.point}\n`).join('');
  return result.entries
    .map((e) => {
      const lines = [e.declaration ? `${e.point}    ${e.declaration}` : e.point];
      if (e.refused) lines.push(`    not probe-able: ${e.refused}`);
      if (e.note) lines.push(`    # ${e.note}`);
      lines.push(...(e.details ?? targetLines(e)));
      return lines.join('\n') + '\n';
    })
    .join('');
}
