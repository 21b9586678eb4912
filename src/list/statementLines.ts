// `guru list [-v] 'statement:FUNC@FILE:LINE'` (LINE may be `*`): the lines
// of a function that can be probed, and with -v their live variables and
// why a line cannot be probed. Statement resolution belongs to
// src/plan/resolveStatementProbe.ts (DWARF, built separately); this file is
// the one place `guru list` calls into it, so wiring it in touches nothing else.
import { UserError } from '../errors.js';
import type { ListQuery } from './listPattern.js';
import type { ListEntry, ListFacts } from './listProbePoints.js';

export function listStatementLines(query: Extract<ListQuery, { kind: 'statement' }>, facts: ListFacts, verbose: boolean): ListEntry[] {
  void facts;
  void verbose;
  throw new UserError(
    `guru list cannot list statement lines yet (statement:${query.func}@${query.file}:${query.line ?? '*'})`,
    'statement probes are being wired to the DWARF reader; list functions meanwhile: guru list -v kprobe:' + query.func,
  );
}
