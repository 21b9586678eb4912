// `guru list [-v] 'statement:FUNC@FILE:LINE'` and `FUNC@FILE:*`: the lines
// of the kernel's FUNC through the statement resolver (sourceLine/listLines.ts).
import type { KernelFacts } from '../../kernelFacts/kernelFacts.js';
import type { ListEntry, ListQuery } from '../types.js';
import { listSourceLines } from '../sourceLine/listLines.js';
import { resolveStatementProbe, statementLinesOf } from './resolveStatement.js';

export function listStatementLines(query: Extract<ListQuery, { kind: 'statement' }>, facts: KernelFacts, verbose: boolean): ListEntry[] {
  const { func, file } = query;
  return listSourceLines(
    query,
    {
      memory: 'kernel',
      spell: (line) => `statement:${func}@${file}:${line}`,
      lines: () => statementLinesOf(facts, func, file),
      resolve: (line, point) => resolveStatementProbe({ func, file, line }, facts, point),
    },
    verbose,
  );
}
