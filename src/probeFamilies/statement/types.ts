// The statement family's part of the plan: every address of a source line.
import type { RegsAddress } from '../../expr/localAccess.js';

/** One address of a statement probe, probed as SYMBOL+OFFSET. */
export interface StatementSite {
  /** Where the line starts in the target's vmlinux, hex, before KASLR moves it. */
  address: string;
  /** The ELF function symbol holding it; the kernel finds the symbol at load time, so KASLR does not matter. */
  symbol: string;
  offset: number;
  /** The source position as the line table spells it. */
  file: string;
  line: number;
  /** The innermost function there: FUNC itself, or a function inlined into it. */
  function: string;
  inlined: boolean;
  /** The canonical frame address here (stack locals, entry values), when call-frame information gives it. */
  cfa?: RegsAddress;
}

/** A statement probe resolved: every address of FUNC@FILE:LINE, inlined copies included. */
export interface PlanStatement {
  func: string;
  file: string;
  line: number;
  /** The vmlinux the addresses were read from, and its build-id (equal to the target's). */
  debuginfo: { path: string; buildId?: string };
  sites: StatementSite[];
  /** Variables in scope that cannot be used here, and why (for `guru check`). */
  unreadable: { name: string; declaredIn: string; why: string }[];
}

export interface StatementPlacement {
  kind: 'statement';
  /** FUNC as written. */
  symbol: string;
  statement: PlanStatement;
}
