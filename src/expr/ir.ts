// The typed intermediate form of expressions and statements: what the
// expression compiler produces from jsep trees and what the C emitter reads.
// Pure data (JSON-serialisable once bigints are strings), part of the Plan.

/**
 * An integer, a string the probe holds (comparable, printable), or text:
 * something printed with %s that the supervisor shows from parts the probe
 * records (a stack, argstr, $$vars; see logArg.ts), which is only printed.
 */
export type ValueType = 'int' | 'string' | 'text';

export type IntBuiltin = 'pid' | 'tid' | 'ppid' | 'uid' | 'gid' | 'euid' | 'cpu' | 'nsecs'
  /** The current task's address: the base of `current->...` (no name of its own in a spec). */
  | 'task';
export type StringBuiltin = 'comm' | 'func';

import type { LocalAccess } from './localAccess.js';
import type { LogArg } from './logArg.js';

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
  /**
   * A value only its family has, as the C expression its handler reads it
   * by, which the family writes: a uprobe's user argument
   * (`GURU_USER_ARG(0)`), a tracepoint's record field (`GURU_RECORD(u32,
   * 16)`). When the target is writable the expression is an lvalue: a write
   * is `C = value;`. A new family needs no kind here and no case in the
   * emitter.
   */
  | { kind: 'c'; c: string }
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
  /** Its type beyond the register's width, for member access (`$file->f_pos`). */
  typeInfo?: TargetTypeInfo;
  /**
   * Set when the variable is text (a tracepoint's `char comm[16]` or
   * `__data_loc char[]`): its value is the address of a NUL-terminated
   * string in SPACE, read (at most MAX bytes, NUL included) wherever it is used.
   */
  string?: { space: 'kernel' | 'user'; max: number; read?: FamilyStringRead };
}

/**
 * How a family reads one of its text targets into a string slot instead:
 * the C macro call MACRO(slot, ARGS...), which cannot fault and yields the
 * slot (the tracepoint family copies a field out of the record, bounded by
 * it: GURU_RECORD_LOC_STRING(slot, 8, false, 256)).
 */
export interface FamilyStringRead {
  macro: string;
  args: string[];
}

/**
 * The type of a target variable, and which memory it points into if it is a
 * pointer: a BTF type id (typed kernel-function arguments), or for syscall
 * arguments, which syscalls.h types, "pointer to struct NAME", looked up in
 * BTF only when a spec uses member access.
 */
export type TargetTypeInfo = { space: 'kernel' | 'user' } & ({ typeId: number } | { pointerTo: { record: 'struct' | 'union'; name: string } });

/** A fixed-width C type memory is read as (kmod/guru_runtime.h GURU_READ). */
export type LoadCType = 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64';

export type IrExpr =
  /** VALUE: decimal text of a signed 64-bit value (bigint-safe in JSON); UNSIGNED: it was written above 2^63 - 1 (0xffffffffffffffff), a u64. */
  | { k: 'int'; value: string; unsigned?: true }
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
  | { k: 'readString'; space: 'user' | 'kernel'; addr: IrExpr; max: IrExpr; line: number }
  /** A string that may be unreadable, never a fault: empty then (orEmpty, bpftrace's str()), else the "unreadable" mark in a record. */
  | { k: 'tryString'; space: 'user' | 'kernel' | 'any'; addr: IrExpr; max: IrExpr; orEmpty: boolean }
  /** A text target read the way its family says (TargetVar.string.read): MACRO(slot, ARGS...), never a fault. */
  | ({ k: 'familyString' } & FamilyStringRead)
  /** The kernel stack at the probe: only as a part of text. */
  | { k: 'stack' }
  /** The user stack of the task the probe runs for (kmod guru_log_ustack): only as a part of text. */
  | { k: 'ustack' }
  /** SystemTap's cmdline_str() (no ARG: argv joined by spaces) and cmdline_arg(ARG) (argv[ARG], "" past the end), read from user memory, never a fault. */
  | { k: 'cmdline'; arg?: IrExpr }
  /** Text shown in user space as ARG describes, from PARTS recorded in order (logParts(arg)). */
  | { k: 'text'; arg: LogArg; parts: IrExpr[] }
  /** An integer or pointer in memory (member access), read without faulting: a bad address is a fault event. */
  | { k: 'load'; space: 'user' | 'kernel'; addr: IrExpr; ctype: LoadCType; line: number };

export type IrStmt =
  | { k: 'setTarget'; target: TargetVar; value: IrExpr; line: number }
  /** A write through a typed pointer (member access): VALUE stored as CTYPE at ADDR without faulting. */
  | { k: 'store'; space: 'kernel'; addr: IrExpr; ctype: LoadCType; value: IrExpr; line: number }
  | { k: 'setVar'; id: number; scope: 'thread' | 'global'; varType: string; value: IrExpr; line: number }
  | { k: 'log'; format: number; args: IrExpr[]; line: number }
  | { k: 'backtrace'; line: number }
  /** Statements run in order as one do: item (a word's state update, then the statement). */
  | { k: 'block'; stmts: IrStmt[]; line: number }
  | { k: 'stop'; line: number }
  /** raise(SIG): signal the task the probe runs in (its process) with SIG, 1 ... 64. */
  | { k: 'raise'; sig: number; line: number }
  /**
   * Add VALUE to map MAP (Plan.maps[MAP]) under KEYS (one per key part,
   * evaluated in order), or, for a dense map, to its SLOT (count("key"), a
   * map without a key). count() adds 1.
   */
  | { k: 'aggregate'; map: number; keys: IrExpr[]; slot?: number; value: IrExpr; line: number }
  /**
   * print(@x[, TOP]) / clear(@x): a record asking the supervisor to print
   * map MAP (by name: Plan.maps has its id) or to empty it. TOP 0: all keys.
   */
  | { k: 'mapOp'; op: 'print' | 'clear'; map: string; top: number; line: number }
  /**
   * A kernel function of guru's allow-list (kernelCalls.ts), checked against
   * the target's BTF: PROTOTYPE is its C declaration there, each argument
   * converted to its parameter's C type; bit i of PIN_TASKS: argument i is
   * a task held while a deferred call waits (kmod/guru_call.c).
   */
  | { k: 'kernelCall'; name: string; prototype: string; args: { value: IrExpr; ctype: string }[]; pinTasks: number; line: number };
