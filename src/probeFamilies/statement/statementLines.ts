// `guru list [-v] 'statement:FUNC@FILE:LINE'`: whether a source line can be
// probed and, with -v, the variables a spec can use there and why the others
// cannot be read. Each line goes through the resolver a spec's probe does
// (resolveStatement.ts), so the listing says exactly what a spec would get.
import { UserError } from '../../errors.js';
import type { KernelFacts } from '../../kernelFacts/kernelFacts.js';
import { ANY_LINE, type ListEntry, type ListedTarget, type ListQuery } from '../types.js';
import { describeStatement } from './describeStatement.js';
import { resolveStatementProbe, statementLinesOf } from './resolveStatement.js';

export function listStatementLines(query: Extract<ListQuery, { kind: 'statement' }>, facts: KernelFacts, verbose: boolean): ListEntry[] {
  const { func, file, line } = query;
  if (line !== ANY_LINE) return [lineEntry(func, file, line, facts, verbose, true)];
  // Every line of FUNC's body in FILE, each resolved exactly as a spec's
  // would be, so the listing says why a line cannot be probed
  // (no code there, code the kernel refuses kprobes in) rather than leaving
  // it out (seed 000: "only some lines can be traced, I don't know why").
  const lines = statementLinesOf(facts, func, file);
  if (lines === undefined || lines.length === 0) {
    const point = `statement:${func}@${file}:*`;
    const resolved = resolveStatementProbe({ func, file, line: 1 }, facts, point);
    throw new UserError('message' in resolved ? resolved.message : `${func} has no lines in ${file}`, 'message' in resolved ? resolved.hint : undefined);
  }
  return lines.map((l) => lineEntry(func, file, l, facts, verbose, false));
}

/** One line: its addresses and variables with -v, or why it cannot be probed. */
function lineEntry(func: string, file: string, line: number, facts: KernelFacts, verbose: boolean, mustResolve: boolean): ListEntry {
  const point = `statement:${func}@${file}:${line}`;
  const resolved = resolveStatementProbe({ func, file, line }, facts, point);
  if ('message' in resolved) {
    if (mustResolve) throw new UserError(resolved.message, resolved.hint);
    return { point, refused: resolved.message.replace(`${point}: `, '') };
  }
  if (!verbose) return { point };
  const targets: ListedTarget[] = [...resolved.targets.values()].map((t) => ({ name: t.name, ctype: t.ctype, writable: t.writable }));
  for (const [name, why] of resolved.unavailableTargets) {
    if (name !== '$return') targets.push({ name, writable: false, unavailable: why.message });
  }
  return { point, targets, details: describeStatement(resolved.placement.statement, [...resolved.targets.values()]) };
}
