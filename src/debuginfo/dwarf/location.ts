// What a variable's DWARF location expression means at one address, in the
// small typed form the probe compiler consumes. Only the shapes a kprobe
// handler can act on are recognised; anything else is 'unsupported' with
// the expression text, so the caller can say why a variable is not usable.
import type { DwarfOp } from './expression.js';
import { DW_OP_ENTRY_VALUE, DW_OP_GNU_ENTRY_VALUE, formatExpression } from './expression.js';
import { x86RegisterName } from './registers.js';

export type VariableLocation =
  /** The value is in register REG. */
  | { kind: 'register'; reg: string; dwarfReg: number }
  /** The value is in memory at BASE + OFFSET; BASE 'cfa' is the canonical frame address, 'fb' an unresolved frame base. */
  | { kind: 'memory'; base: string; offset: number }
  /** The value is in memory at a fixed address (a static). */
  | { kind: 'static'; address: bigint }
  /**
   * The value is what register REG held on entry to the function: readable at
   * a probe on the function's first instruction only, and never writable.
   * Also used when wrapped as `DW_OP_entry_value(DW_OP_regN); DW_OP_stack_value`.
   */
  | { kind: 'entry_value'; reg: string; dwarfReg: number }
  /** A known constant. */
  | { kind: 'value'; value: bigint }
  /** The value is REG + OFFSET (DW_OP_bregN; DW_OP_stack_value): readable, not writable. */
  | { kind: 'computed'; reg: string; dwarfReg: number; offset: number }
  /**
   * The value is the address BASE + OFFSET of something in the frame
   * (DW_OP_fbreg N; DW_OP_stack_value: a pointer to a local), BASE as for
   * 'memory'. Readable, not writable.
   */
  | { kind: 'address'; base: string; offset: number }
  /** Literal bytes (DW_OP_implicit_value), little-endian hex. */
  | { kind: 'implicit'; bytes: string }
  /** The value is split across pieces (e.g. a struct in two registers). */
  | { kind: 'pieces'; pieces: { sizeBytes: number; location: VariableLocation }[] }
  /** No location at this address. */
  | { kind: 'optimized_out' }
  | { kind: 'unsupported'; ops: string };

export function isWritable(location: VariableLocation): boolean {
  return location.kind === 'register' || location.kind === 'memory' || location.kind === 'static';
}

const isReg = (op: DwarfOp): boolean => op.code >= 0x50 && op.code <= 0x6f;
const isBreg = (op: DwarfOp): boolean => op.code >= 0x70 && op.code <= 0x8f;
const regOf = (op: DwarfOp): number => (isReg(op) ? op.code - 0x50 : isBreg(op) ? op.code - 0x70 : Number(op.operands[0]));
const REGX = 0x90;
const FBREG = 0x91;
const BREGX = 0x92;
const PIECE = 0x93;
const CALL_FRAME_CFA = 0x9c;
const IMPLICIT_VALUE = 0x9e;
const STACK_VALUE = 0x9f;
const ADDR = 0x03;

/** A constant pushed by a single literal op, if OP is one. */
function literal(op: DwarfOp): bigint | undefined {
  if (op.code >= 0x30 && op.code <= 0x4f) return BigInt(op.code - 0x30);
  if (op.code >= 0x08 && op.code <= 0x11) return op.operands[0];
  return undefined;
}

function register(dwarfReg: number): { reg: string; dwarfReg: number } {
  return { reg: x86RegisterName(dwarfReg), dwarfReg };
}

/**
 * Classify the location expression OPS. FRAME_BASE is the decoded
 * DW_AT_frame_base of the enclosing function at the same address, used to
 * turn DW_OP_fbreg into a CFA- or register-relative address.
 */
export function classifyLocation(ops: readonly DwarfOp[], frameBase?: readonly DwarfOp[]): VariableLocation {
  if (ops.length === 0) return { kind: 'optimized_out' };
  if (ops.some((op) => op.code === PIECE)) return classifyPieces(ops, frameBase);
  const [first, second] = ops;
  if (ops.length === 1) {
    if (isReg(first!) || first!.code === REGX) return { kind: 'register', ...register(regOf(first!)) };
    if (isBreg(first!)) return { kind: 'memory', base: x86RegisterName(regOf(first!)), offset: Number(first!.operands[0]) };
    if (first!.code === BREGX) return { kind: 'memory', base: x86RegisterName(regOf(first!)), offset: Number(first!.operands[1]) };
    if (first!.code === FBREG) return frameRelative(Number(first!.operands[0]), frameBase);
    if (first!.code === ADDR) return { kind: 'static', address: first!.operands[0]! };
    if (first!.code === CALL_FRAME_CFA) return { kind: 'memory', base: 'cfa', offset: 0 };
    if (first!.code === IMPLICIT_VALUE) return { kind: 'implicit', bytes: first!.block!.toString('hex') };
  }
  const entry = ops.length <= 2 && entryValueRegister(first!);
  if (entry !== false && entry !== undefined && (ops.length === 1 || second!.code === STACK_VALUE)) {
    return { kind: 'entry_value', ...register(entry) };
  }
  if (ops.length === 2 && second!.code === STACK_VALUE) {
    const value = literal(first!);
    if (value !== undefined) return { kind: 'value', value };
    if (isBreg(first!)) return { kind: 'computed', ...register(regOf(first!)), offset: Number(first!.operands[0]) };
    if (first!.code === BREGX) return { kind: 'computed', ...register(regOf(first!)), offset: Number(first!.operands[1]) };
    if (first!.code === FBREG) {
      const place = frameRelative(Number(first!.operands[0]), frameBase);
      if (place.kind === 'memory') return { kind: 'address', base: place.base, offset: place.offset };
    }
  }
  return { kind: 'unsupported', ops: formatExpression(ops) };
}

/** DW_OP_entry_value(DW_OP_regN) → N. */
function entryValueRegister(op: DwarfOp): number | undefined {
  if (op.code !== DW_OP_ENTRY_VALUE && op.code !== DW_OP_GNU_ENTRY_VALUE) return undefined;
  const inner = op.nested ?? [];
  if (inner.length === 1 && (isReg(inner[0]!) || inner[0]!.code === REGX)) return regOf(inner[0]!);
  return undefined;
}

function frameRelative(offset: number, frameBase: readonly DwarfOp[] | undefined): VariableLocation {
  if (frameBase && frameBase.length === 1) {
    const fb = frameBase[0]!;
    if (fb.code === CALL_FRAME_CFA) return { kind: 'memory', base: 'cfa', offset };
    if (isBreg(fb)) return { kind: 'memory', base: x86RegisterName(regOf(fb)), offset: offset + Number(fb.operands[0]) };
    // A register frame base holds the frame address itself.
    if (isReg(fb)) return { kind: 'memory', base: x86RegisterName(regOf(fb)), offset };
  }
  return { kind: 'memory', base: 'fb', offset };
}

function classifyPieces(ops: readonly DwarfOp[], frameBase: readonly DwarfOp[] | undefined): VariableLocation {
  const pieces: { sizeBytes: number; location: VariableLocation }[] = [];
  let current: DwarfOp[] = [];
  for (const op of ops) {
    if (op.code === PIECE) {
      pieces.push({ sizeBytes: Number(op.operands[0]), location: classifyLocation(current, frameBase) });
      current = [];
    } else {
      current.push(op);
    }
  }
  if (current.length > 0) return { kind: 'unsupported', ops: formatExpression(ops) };
  return { kind: 'pieces', pieces };
}
