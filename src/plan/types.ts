// The Plan: everything the renderer needs, resolved against one kernel.
// Pure data, JSON-serialisable (`guru check --json` prints it), and the
// input of a pure render step.
import type { IrExpr, IrStmt, TargetVar } from '../expr/ir.js';
import type { LogFormatEntry } from '../expr/compileExpression.js';
import type { RegsAddress } from '../expr/localAccess.js';
import type { VarScope, VarType } from '../patchSpec/types.js';

export type PlanProbeKind = 'kprobe' | 'kretprobe' | 'syscall' | 'syscall-return' | 'statement' | 'begin' | 'end';

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

export interface PlanGuard {
  uid?: number[];
  pid?: number[];
  comm?: string[];
}

export interface PlanProbe {
  id: number;
  /** The on: text as written, and guru's canonical spelling of it. */
  on: string;
  canonical: string;
  /** Spec line of the probe, for #line and messages. */
  line: number;
  kind: PlanProbeKind;
  /** Kernel function the probe sits on (`__x64_sys_write`, `do_sys_openat2`). */
  symbol?: string;
  /** A wildcard's matches: one kprobe each, registered best-effort. */
  symbols?: string[];
  offset?: number;
  /** For syscall probes, the syscall's name. */
  syscall?: string;
  /** For statement probes: the addresses and where they came from. */
  statement?: PlanStatement;
  /** Target variables ($name) readable here. */
  targets: TargetVar[];
  guard: PlanGuard;
  cond?: IrExpr;
  /** The if: expression as the spec writes it (for `guru check`). */
  condText?: string;
  /** Spec line of the if: expression. */
  condLine?: number;
  actions: IrStmt[];
  /** True when some action writes a target variable. */
  writes: boolean;
}

export interface PlanVar {
  name: string;
  type: VarType;
  scope: VarScope;
  /** Index within its scope's storage. */
  id: number;
}

export interface Plan {
  planVersion: 1;
  name: string;
  /** Kernel module name: guru_<name>. */
  module: string;
  description?: string;
  /** The spec file as given (relative paths stay relative: #line uses it). */
  specFile: string;
  kernel: { release: string };
  vars: PlanVar[];
  params: { name: string; initial: number }[];
  probes: PlanProbe[];
  formats: LogFormatEntry[];
}
