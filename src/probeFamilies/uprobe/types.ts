// The uprobe family's part of a plan probe: where in which user binary it
// sits. Pure data (guru check --json prints it).
import type { Instruction } from '../../debuginfo/disassemble.js';
import type { PlanStatement } from '../sourceLine/types.js';

/** One function a uprobe sits on. */
export interface UprobeSite {
  func: string;
  /** The probed address as linked, hex: the function's (st_value); in a Go function, a ret's or its body's (go). */
  address: string;
  /** That address's offset in the file: where the kernel plants the breakpoint. */
  offset: number;
  /** The file's bytes at `offset` when guru read it (hex); the module checks the target's file holds them. */
  expect: string;
  /**
   * Set on a Go function's sites (goSites.ts): 'ret', a ret instruction,
   * where its return probes run as a plain uprobe (no uretprobe: Go's
   * runtime dies on a replaced return address); 'body', its entry past the
   * stack-check prologue (so a call that grows the stack is seen once).
   */
  go?: 'ret' | 'body';
}

export interface UprobePlacement {
  /** uprobe: at the function's entry; uretprobe: when it returns. */
  kind: 'uprobe' | 'uretprobe';
  /** The binary, found (findUserBinary): absolute, symlinks resolved. */
  path: string;
  /** The function as the spec names it: a name, or a `*` pattern. */
  func: string;
  /** The functions it sits on: one, or every match of the pattern (read-only, one handler for all). */
  sites: UprobeSite[];
  /** ET_DYN (PIE executable or shared library), loaded wherever the kernel puts it. */
  pie: boolean;
  buildId?: string;
}

/**
 * A user statement probe (ustatement:PATH:FUNC@FILE:LINE): a uprobe at
 * every address of a source line of the binary, its locals from DWARF.
 */
export interface UserStatementPlacement {
  kind: 'ustatement';
  /** The binary, found (findUserBinary): absolute, symlinks resolved. */
  path: string;
  /** FUNC as written. */
  func: string;
  /** One uprobe per address of the line, in the order of statement.sites (the locals' accessors switch on it). */
  sites: UprobeSite[];
  pie: boolean;
  buildId?: string;
  /** The line as resolved through the binary's DWARF: addresses, locals that cannot be used. */
  statement: PlanStatement;
}

/** A Go function's code as goSites.ts reads it: [start, end) as linked, and its instructions. */
export interface GoFunctionCode {
  name: string;
  start: bigint;
  end: bigint;
  instructions: readonly Instruction[];
}

/** Where a Go function's return probes sit (its ret instructions), or why it cannot have them. */
export type GoReturns = { returns: bigint[] } | { why: string };

/** Where a Go function's entry probe sits: after its stack-check prologue when recognised, else its first instruction. */
export interface GoEntry {
  address: bigint;
  prologue: boolean;
}
