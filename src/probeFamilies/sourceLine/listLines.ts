// `guru list [-v] 'statement:FUNC@FILE:LINE'` (and `ustatement:PATH:...`):
// whether a source line can be probed and, with -v, the variables a spec
// can use there and why the others cannot be read. Each line goes through
// the family's resolver, the one a spec's probe goes through, so the
// listing says exactly what a spec would get.
import { UserError } from '../../errors.js';
import { ANY_LINE, type ListEntry, type ListedTarget, type Resolution, type ResolveError } from '../types.js';
import { describeStatement } from './describeStatement.js';
import type { LocalMemory } from './localAccessors.js';
import type { PlanStatement } from './types.js';

export interface LineLister {
  /** FUNC@FILE:LINE as a spec's on: writes it. */
  spell(line: number | '*'): string;
  /** The lines `FUNC@FILE:*` walks (sourceLinesOf); undefined when FUNC is not in the debug information. */
  lines(): number[] | undefined;
  resolve(line: number, point: string): Resolution<{ statement: PlanStatement }> | ResolveError;
  /** Whose memory the program's statics are in (the kernel's, or a user program's, moved by its load bias). */
  memory: LocalMemory;
}

export function listSourceLines(query: { line: number }, lister: LineLister, verbose: boolean): ListEntry[] {
  if (query.line !== ANY_LINE) return [lineEntry(query.line, lister, verbose, true)];
  // Every line of FUNC's body in FILE, each resolved exactly as a spec's
  // would be, so the listing says why a line cannot be probed
  // (no code there, code the kernel refuses kprobes in) rather than leaving
  // it out (seed 000: "only some lines can be traced, I don't know why").
  const lines = lister.lines();
  if (lines === undefined || lines.length === 0) {
    const resolved = lister.resolve(1, lister.spell('*'));
    throw new UserError('message' in resolved ? resolved.message : `no lines in ${lister.spell('*')}`, 'message' in resolved ? resolved.hint : undefined);
  }
  return lines.map((l) => lineEntry(l, lister, verbose, false));
}

/** One line: its addresses and variables with -v, or why it cannot be probed. */
function lineEntry(line: number, lister: LineLister, verbose: boolean, mustResolve: boolean): ListEntry {
  const point = lister.spell(line);
  const resolved = lister.resolve(line, point);
  if ('message' in resolved) {
    if (mustResolve) throw new UserError(resolved.message, resolved.hint);
    return { point, refused: resolved.message.replace(`${point}: `, '') };
  }
  if (!verbose) return { point };
  const targets: ListedTarget[] = [...resolved.targets.values()].map((t) => ({ name: t.name, ctype: t.ctype, writable: t.writable }));
  for (const [name, why] of resolved.unavailableTargets) {
    if (name !== '$return') targets.push({ name, writable: false, unavailable: why.message });
  }
  return { point, targets, details: describeStatement(resolved.placement.statement, [...resolved.targets.values()], lister.memory) };
}
