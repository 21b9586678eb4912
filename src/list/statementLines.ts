// `guru list [-v] 'statement:FUNC@FILE:LINE'`: whether a source line can be
// probed and, with -v, the variables a spec can use there and why the others
// cannot be read. Statement resolution (DWARF) belongs to the resolver
// (src/plan/resolveStatementProbe.ts, reached through resolveProbePoint);
// this file is the one place `guru list` calls into it, so it lists exactly
// what a spec would get.
import { UserError } from '../errors.js';
import type { KernelFacts } from '../kernel/kernelFacts.js';
import { resolveProbePoint } from '../plan/resolveProbePoint.js';
import type { ListQuery } from './listPattern.js';
import type { ListEntry, ListedTarget } from './listProbePoints.js';

export function listStatementLines(query: Extract<ListQuery, { kind: 'statement' }>, facts: KernelFacts, verbose: boolean): ListEntry[] {
  const { func, file, line } = query;
  if (line === undefined) {
    // Every line of a function needs the resolver to enumerate lines with code; it resolves one line at a time so far.
    throw new UserError(
      `guru list cannot enumerate the lines of ${func} yet (statement:${func}@${file}:*)`,
      `name a line: guru list -v 'statement:${func}@${file}:LINE'; for a line without code the error lists the lines that have some`,
    );
  }
  const point = `statement:${func}@${file}:${line}`;
  const resolved = resolveProbePoint({ kind: 'statement', func, file, line }, facts, point);
  if ('message' in resolved) throw new UserError(resolved.message, resolved.hint);
  if (!verbose) return [{ point }];
  const targets: ListedTarget[] = [...resolved.targets.values()].map((t) => ({ name: t.name, ctype: t.ctype, writable: t.writable }));
  for (const [name, why] of resolved.unavailableTargets) {
    if (name !== '$return') targets.push({ name, writable: false, unavailable: why.message });
  }
  return [{ point, targets }];
}
