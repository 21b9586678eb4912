// The typed intermediate form of expressions and statements: what the
// expression compiler produces from jsep trees and what the C emitter reads.
// Pure data (JSON-serialisable once bigints are strings), part of the Plan.

export type ValueType = 'int' | 'string';

export type IntBuiltin = 'pid' | 'tid' | 'uid' | 'gid' | 'euid' | 'cpu' | 'nsecs';
export type StringBuiltin = 'comm' | 'func';

import type { LocalAccess } from './localAccess.js';

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^' | '<' | '>' | '<=' | '>=' | '==' | '!=';

/** Where a target variable ($name) lives at the probe. */
export type TargetAccess =
  /** Kernel function argument at entry, C calling order (rdi, rsi, rdx, rcx, r8, r9). */
  | { kind: 'kernelArg'; index: number }
  /** Same, saved at function entry for use in a return probe. */
  | { kind: 'savedKernelArg'; index: number }
  /** Syscall argument in the caller's saved registers (rdi, rsi, rdx, r10, r8, r9). */
  | { kind: 'syscallArg'; index: number }
  /** Return value in a return probe. */
  | { kind: 'returnValue' }
  /** A local at a statement probe: where DWARF says it is at each of the probe's addresses. */
  | LocalAccess;

export interface TargetVar {
  name: string;
  /** C type the value is converted through (e.g. `size_t`, `const char __user *`). */
  ctype: string;
  /**
   * When set, the C type the raw register is converted through instead of
   * ctype: kernel typedefs (`blk_opf_t` from BTF, `umode_t` from
   * syscalls.h) are not declared in the lean header probes.c includes, so
   * syscall and typed kernel arguments carry a fixed-width integer (`s32`,
   * `u8`) or `unsigned long` for pointers.
   */
  registerCType?: string;
  access: TargetAccess;
  writable: boolean;
}

export type IrExpr =
  | { k: 'int'; value: string } // decimal text of a 64-bit value (bigint-safe in JSON)
  | { k: 'str'; value: string }
  | { k: 'target'; target: TargetVar }
  | { k: 'var'; id: number; scope: 'thread' | 'global' }
  | { k: 'param'; id: number }
  | { k: 'builtin'; name: IntBuiltin }
  | { k: 'strBuiltin'; name: StringBuiltin }
  | { k: 'unary'; op: '-' | '!' | '~'; arg: IrExpr }
  | { k: 'binary'; op: BinaryOp; left: IrExpr; right: IrExpr; line: number }
  | { k: 'logical'; op: '&&' | '||'; left: IrExpr; right: IrExpr }
  | { k: 'cond'; test: IrExpr; then: IrExpr; else: IrExpr }
  | { k: 'strcmp'; op: '==' | '!='; left: IrExpr; right: IrExpr }
  | { k: 'readString'; space: 'user' | 'kernel'; addr: IrExpr; max: IrExpr; line: number };

export type IrStmt =
  | { k: 'setTarget'; target: TargetVar; value: IrExpr; line: number }
  | { k: 'setVar'; id: number; scope: 'thread' | 'global'; varType: string; value: IrExpr; line: number }
  | { k: 'log'; format: number; args: IrExpr[]; line: number }
  | { k: 'backtrace'; line: number }
  | { k: 'stop'; line: number };
