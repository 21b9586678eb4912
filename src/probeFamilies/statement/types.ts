// The statement family's part of the plan: every address of a source line.
import type { PlanStatement } from '../sourceLine/types.js';

export type { PlanStatement, StatementSite } from '../sourceLine/types.js';

export interface StatementPlacement {
  kind: 'statement';
  /** FUNC as written. */
  symbol: string;
  statement: PlanStatement;
}
