// A source line resolved through a program's DWARF (the kernel's vmlinux
// for statement probes, a user binary for ustatement probes): every address
// where it starts, and what the plan keeps of them. Pure data.
import type { RegsAddress } from '../../expr/localAccess.js';

/** One address of a statement probe, named SYMBOL+OFFSET. */
export interface StatementSite {
  /** Where the line starts in the program as linked, hex (before KASLR or a PIE's load address moves it). */
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
  /** The line (the first with code, for a range or `*`). */
  line: number;
  /** For a range (`87-102`) or `*`: every line probed, each with code. */
  lines?: number[];
  /** The file the addresses were read from (vmlinux, a program or its debug file), and its build-id. */
  debuginfo: { path: string; buildId?: string };
  sites: StatementSite[];
  /** Variables in scope that cannot be used here, and why (for `guru check`). */
  unreadable: { name: string; declaredIn: string; why: string }[];
}
