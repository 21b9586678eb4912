// Decoding DWARF expressions (DW_OP_*) into a list of operations with their
// operands. Every standard and GNU opcode is decoded so that any expression
// can be shown; what a location *means* is decided in location.ts.
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';

export interface DwarfOp {
  /** Offset of the opcode within the expression. */
  offset: number;
  code: number;
  name: string;
  operands: bigint[];
  /** DW_OP_entry_value / DW_OP_GNU_entry_value: the expression it evaluates at entry. */
  nested?: DwarfOp[];
  /** DW_OP_implicit_value / const_type: literal bytes. */
  block?: Buffer;
}

export interface ExpressionContext {
  addressSize: number;
  offsetSize: 4 | 8;
}

type Operand = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'uleb' | 'sleb' | 'addr' | 'offset';

const OPS = new Map<number, { name: string; operands: Operand[] }>();
function def(code: number, name: string, ...operands: Operand[]): void {
  OPS.set(code, { name: `DW_OP_${name}`, operands });
}
def(0x03, 'addr', 'addr');
def(0x06, 'deref');
def(0x08, 'const1u', 'u8');
def(0x09, 'const1s', 's8');
def(0x0a, 'const2u', 'u16');
def(0x0b, 'const2s', 's16');
def(0x0c, 'const4u', 'u32');
def(0x0d, 'const4s', 's32');
def(0x0e, 'const8u', 'u64');
def(0x0f, 'const8s', 's64');
def(0x10, 'constu', 'uleb');
def(0x11, 'consts', 'sleb');
def(0x12, 'dup');
def(0x13, 'drop');
def(0x14, 'over');
def(0x15, 'pick', 'u8');
def(0x16, 'swap');
def(0x17, 'rot');
def(0x18, 'xderef');
def(0x19, 'abs');
def(0x1a, 'and');
def(0x1b, 'div');
def(0x1c, 'minus');
def(0x1d, 'mod');
def(0x1e, 'mul');
def(0x1f, 'neg');
def(0x20, 'not');
def(0x21, 'or');
def(0x22, 'plus');
def(0x23, 'plus_uconst', 'uleb');
def(0x24, 'shl');
def(0x25, 'shr');
def(0x26, 'shra');
def(0x27, 'xor');
def(0x28, 'bra', 's16');
def(0x29, 'eq');
def(0x2a, 'ge');
def(0x2b, 'gt');
def(0x2c, 'le');
def(0x2d, 'lt');
def(0x2e, 'ne');
def(0x2f, 'skip', 's16');
for (let i = 0; i < 32; i++) {
  def(0x30 + i, `lit${i}`);
  def(0x50 + i, `reg${i}`);
  def(0x70 + i, `breg${i}`, 'sleb');
}
def(0x90, 'regx', 'uleb');
def(0x91, 'fbreg', 'sleb');
def(0x92, 'bregx', 'uleb', 'sleb');
def(0x93, 'piece', 'uleb');
def(0x94, 'deref_size', 'u8');
def(0x95, 'xderef_size', 'u8');
def(0x96, 'nop');
def(0x97, 'push_object_address');
def(0x98, 'call2', 'u16');
def(0x99, 'call4', 'u32');
def(0x9a, 'call_ref', 'offset');
def(0x9b, 'form_tls_address');
def(0x9c, 'call_frame_cfa');
def(0x9d, 'bit_piece', 'uleb', 'uleb');
def(0x9e, 'implicit_value'); // uleb length + bytes: decoded specially
def(0x9f, 'stack_value');
def(0xa0, 'implicit_pointer', 'offset', 'sleb');
def(0xa1, 'addrx', 'uleb');
def(0xa2, 'constx', 'uleb');
def(0xa3, 'entry_value'); // uleb length + sub-expression
def(0xa4, 'const_type'); // uleb type, u8 size + bytes
def(0xa5, 'regval_type', 'uleb', 'uleb');
def(0xa6, 'deref_type', 'u8', 'uleb');
def(0xa7, 'xderef_type', 'u8', 'uleb');
def(0xa8, 'convert', 'uleb');
def(0xa9, 'reinterpret', 'uleb');
def(0xe0, 'GNU_push_tls_address');
def(0xf0, 'GNU_uninit');
def(0xf2, 'GNU_implicit_pointer', 'offset', 'sleb');
def(0xf3, 'GNU_entry_value');
def(0xf4, 'GNU_const_type');
def(0xf5, 'GNU_regval_type', 'uleb', 'uleb');
def(0xf6, 'GNU_deref_type', 'u8', 'uleb');
def(0xf7, 'GNU_convert', 'uleb');
def(0xf9, 'GNU_reinterpret', 'uleb');
def(0xfa, 'GNU_parameter_ref', 'u32');
def(0xfb, 'GNU_addr_index', 'uleb');
def(0xfc, 'GNU_const_index', 'uleb');
def(0xfd, 'GNU_variable_value', 'offset');

export const DW_OP_ENTRY_VALUE = 0xa3;
export const DW_OP_GNU_ENTRY_VALUE = 0xf3;
export const DW_OP_IMPLICIT_VALUE = 0x9e;

function readOperand(c: Cursor, kind: Operand, ctx: ExpressionContext): bigint {
  switch (kind) {
    case 'u8':
      return BigInt(c.u8());
    case 's8':
      return BigInt(c.s8());
    case 'u16':
      return BigInt(c.u16());
    case 's16':
      return BigInt(c.s16());
    case 'u32':
      return BigInt(c.u32());
    case 's32':
      return BigInt(c.s32());
    case 'u64':
      return c.u64();
    case 's64':
      return c.s64();
    case 'uleb':
      return c.ulebBig();
    case 'sleb':
      return c.slebBig();
    case 'addr':
      return c.uSized(ctx.addressSize);
    case 'offset':
      return c.uSized(ctx.offsetSize);
  }
}

/** Decode EXPR; unknown opcodes throw (their operand sizes are unknown). */
export function decodeExpression(expr: Buffer, ctx: ExpressionContext): DwarfOp[] {
  const c = Cursor.over(expr);
  const ops: DwarfOp[] = [];
  while (!c.atEnd) {
    const offset = c.pos;
    const code = c.u8();
    const info = OPS.get(code);
    if (!info) throw new DebugInfoError(`unknown DWARF expression opcode 0x${code.toString(16)}`);
    const op: DwarfOp = { offset, code, name: info.name, operands: info.operands.map((k) => readOperand(c, k, ctx)) };
    if (code === DW_OP_ENTRY_VALUE || code === DW_OP_GNU_ENTRY_VALUE) {
      const len = c.uleb();
      op.nested = decodeExpression(Buffer.from(c.bytes(len)), ctx);
    } else if (code === DW_OP_IMPLICIT_VALUE) {
      const len = c.uleb();
      op.operands = [BigInt(len)];
      op.block = Buffer.from(c.bytes(len));
    } else if (code === 0xa4 || code === 0xf4) {
      op.operands = [c.ulebBig()];
      op.block = Buffer.from(c.bytes(c.u8()));
    }
    ops.push(op);
  }
  return ops;
}

/** Text such as "DW_OP_breg3 -16; DW_OP_deref_size 4; DW_OP_stack_value". */
export function formatExpression(ops: readonly DwarfOp[]): string {
  return ops
    .map((op) => {
      const args = op.operands.map(String);
      if (op.nested) args.push(`(${formatExpression(op.nested)})`);
      if (op.block) args.push(op.block.toString('hex'));
      return [op.name, ...args].join(' ');
    })
    .join('; ');
}

/**
 * One token per operation, nested entry-value expressions flattened in
 * place: ["DW_OP_breg3 0", "DW_OP_entry_value", "DW_OP_reg5", ...].
 */
export function expressionTokens(ops: readonly DwarfOp[]): string[] {
  return ops.flatMap((op) => {
    const head = [op.name, ...(op.code === DW_OP_IMPLICIT_VALUE ? [] : op.operands.map(String))].join(' ');
    return op.nested ? [head, ...expressionTokens(op.nested)] : [head];
  });
}
