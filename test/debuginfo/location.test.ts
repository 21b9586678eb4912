// Classification of DWARF location expressions into the typed form the
// probe compiler uses. Expressions are assembled byte by byte from the
// DWARF 5 opcode table (§7.7.1), so each case states the bytes it means.
import { decodeExpression, formatExpression } from '../../src/debuginfo/dwarf/expression.js';
import { classifyLocation, isWritable } from '../../src/debuginfo/dwarf/location.js';

const ctx = { addressSize: 8, offsetSize: 4 as const };
const classify = (bytes: number[], frameBase?: number[]) =>
  classifyLocation(decodeExpression(Buffer.from(bytes), ctx), frameBase && decodeExpression(Buffer.from(frameBase), ctx));

const CFA = [0x9c]; // DW_OP_call_frame_cfa
const STACK_VALUE = 0x9f;

test.each([
  ['DW_OP_reg5', [0x55], { kind: 'register', reg: 'rdi', dwarfReg: 5 }],
  ['DW_OP_regx 13', [0x90, 13], { kind: 'register', reg: 'r13', dwarfReg: 13 }],
  ['DW_OP_breg7 -8', [0x77, 0x78], { kind: 'memory', base: 'rsp', offset: -8 }],
  ['DW_OP_bregx 6 16', [0x92, 6, 16], { kind: 'memory', base: 'rbp', offset: 16 }],
  ['DW_OP_addr', [0x03, 0x40, 0x40, 0x40, 0, 0, 0, 0, 0], { kind: 'static', address: 0x404040n }],
  ['DW_OP_lit0; stack_value', [0x30, STACK_VALUE], { kind: 'value', value: 0n }],
  ['DW_OP_const1s -9; stack_value', [0x09, 0xf7, STACK_VALUE], { kind: 'value', value: -9n }],
  ['DW_OP_constu 300; stack_value', [0x10, 0xac, 0x02, STACK_VALUE], { kind: 'value', value: 300n }],
  ['DW_OP_breg6 104; stack_value', [0x76, 0xe8, 0x00, STACK_VALUE], { kind: 'computed', reg: 'rbp', dwarfReg: 6, offset: 104 }],
  ['DW_OP_entry_value(reg5); stack_value', [0xa3, 1, 0x55, STACK_VALUE], { kind: 'entry_value', reg: 'rdi', dwarfReg: 5 }],
  ['DW_OP_GNU_entry_value(reg4); stack_value', [0xf3, 1, 0x54, STACK_VALUE], { kind: 'entry_value', reg: 'rsi', dwarfReg: 4 }],
  ['DW_OP_entry_value(reg1) alone', [0xa3, 1, 0x51], { kind: 'entry_value', reg: 'rdx', dwarfReg: 1 }],
  ['DW_OP_implicit_value 4 bytes', [0x9e, 4, 1, 0, 0, 0], { kind: 'implicit', bytes: '01000000' }],
  ['empty expression', [], { kind: 'optimized_out' }],
])('%s', (_name, bytes, expected) => {
  const loc = classify(bytes);
  expect(loc).toEqual(expected);
  expect(isWritable(loc)).toBe(['register', 'memory', 'static'].includes(expected.kind));
});

test('DW_OP_fbreg resolves through the frame base', () => {
  expect(classify([0x91, 0x48], CFA)).toEqual({ kind: 'memory', base: 'cfa', offset: -56 });
  expect(classify([0x91, 0x6c], [0x76, 0x10])).toEqual({ kind: 'memory', base: 'rbp', offset: -20 + 16 });
  expect(classify([0x91, 0x6c])).toEqual({ kind: 'memory', base: 'fb', offset: -20 });
});

test('DW_OP_fbreg N; DW_OP_stack_value is the address of a frame slot, not its contents', () => {
  // A pointer to a local (ksys_write's ppos = &pos): readable, never writable.
  const loc = classify([0x91, 0x48, STACK_VALUE], CFA);
  expect(loc).toEqual({ kind: 'address', base: 'cfa', offset: -56 });
  expect(isWritable(loc)).toBe(false);
});

test('pieces: a struct split across a register and nothing', () => {
  // DW_OP_reg6; DW_OP_piece 8; DW_OP_piece 8
  expect(classify([0x56, 0x93, 8, 0x93, 8])).toEqual({
    kind: 'pieces',
    pieces: [
      { sizeBytes: 8, location: { kind: 'register', reg: 'rbp', dwarfReg: 6 } },
      { sizeBytes: 8, location: { kind: 'optimized_out' } },
    ],
  });
});

test('anything else is unsupported, with the expression text', () => {
  // DW_OP_breg3 0; DW_OP_deref_size 4; DW_OP_breg15 0; DW_OP_minus; DW_OP_stack_value
  const loc = classify([0x73, 0, 0x94, 4, 0x7f, 0, 0x1c, STACK_VALUE]);
  expect(loc).toEqual({ kind: 'unsupported', ops: 'DW_OP_breg3 0; DW_OP_deref_size 4; DW_OP_breg15 0; DW_OP_minus; DW_OP_stack_value' });
  expect(isWritable(loc)).toBe(false);
});

test('unknown opcodes are reported, not misparsed', () => {
  expect(() => decodeExpression(Buffer.from([0xee]), ctx)).toThrow(/unknown DWARF expression opcode 0xee/);
  expect(formatExpression(decodeExpression(Buffer.from([0xa3, 1, 0x55, STACK_VALUE]), ctx))).toBe('DW_OP_entry_value (DW_OP_reg5); DW_OP_stack_value');
});
