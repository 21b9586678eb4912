// A canned ProgramDebuginfo for golden and diagnostic tests: Debian
// 6.1.0-56-amd64's ksys_write as its vmlinux describes it (addresses, lines,
// variable locations and CFA copied from `guru check` on that build), so the
// renderer and the error messages of statement probes can be pinned without
// an 858 MB download. Tests of the resolver itself use real binaries and gdb.
import type { CfaRule } from '../../src/debuginfo/dwarf/callFrames.js';
import type { DwarfFunction, FunctionLine, LineAddress, LocatedRange, ScopeVariable, VariableLocation } from '../../src/debuginfo/dwarf/dwarfInfo.js';
import type { FunctionSymbol, ProgramDebuginfo } from '../../src/debuginfo/programDebuginfo.js';

const BASE = 0xffffffff81367680n;
const END = 0xffffffff81367764n;
const READ_WRITE_C = 'debian/build/build_amd64_none_amd64/fs/read_write.c';
const FILE_H = 'debian/build/build_amd64_none_amd64/include/linux/file.h';

const at = (offset: number): bigint => BASE + BigInt(offset);

/** Line rows: file, line, offsets from ksys_write, innermost function there. */
const LINES: { file: string; line: number; offsets: number[]; function: string }[] = [
  { file: READ_WRITE_C, line: 627, offsets: [0x0], function: 'ksys_write' },
  { file: READ_WRITE_C, line: 638, offsets: [0x6e, 0xba], function: 'ksys_write' },
  { file: READ_WRITE_C, line: 640, offsets: [0x7b, 0xba], function: 'fdput_pos' },
  { file: READ_WRITE_C, line: 643, offsets: [0xdd], function: 'ksys_write' },
  { file: FILE_H, line: 82, offsets: [0x80, 0xc7], function: 'fdput' },
];

const REG = (dwarfReg: number, reg: string): VariableLocation => ({ kind: 'register', reg, dwarfReg });
const ENTRY = (dwarfReg: number, reg: string): VariableLocation => ({ kind: 'entry_value', reg, dwarfReg });

function variable(name: string, cType: string, scalar: ScopeVariable['scalar'], where: { at: number[]; location: VariableLocation; expression: string }[], isParameter = false): (address: bigint) => ScopeVariable | undefined {
  const locations: LocatedRange[] = where.flatMap((w) => w.at.map((o) => ({ low: at(o), high: at(o) + 1n, location: w.location, expression: w.expression })));
  return (address) => {
    const here = locations.find((l) => l.low === address);
    if (!here) return undefined;
    return {
      name,
      isParameter,
      cType,
      size: scalar?.bytes,
      scalar,
      location: here.location,
      expression: here.expression,
      writable: here.location.kind === 'register' || here.location.kind === 'memory',
      function: 'ksys_write',
      inlined: false,
      scopeDepth: 0,
      instanceDepth: 0,
      declFile: READ_WRITE_C,
      declLine: 626,
      locations,
    };
  };
}

const ALL = [0x0, 0x6e, 0x7b, 0x80, 0xba, 0xc7, 0xdd];
const BODY = ALL.filter((o) => o !== 0);
const VARIABLES = [
  variable('fd', 'unsigned int', { kind: 'unsigned', bytes: 4 }, [
    { at: [0x0], location: REG(5, 'rdi'), expression: 'DW_OP_reg5' },
    { at: BODY, location: ENTRY(5, 'rdi'), expression: 'DW_OP_entry_value (DW_OP_reg5); DW_OP_stack_value' },
  ], true),
  variable('buf', 'const char *', { kind: 'pointer', bytes: 8 }, [
    { at: [0x0], location: REG(4, 'rsi'), expression: 'DW_OP_reg4' },
    { at: BODY, location: REG(13, 'r13'), expression: 'DW_OP_reg13' },
  ], true),
  variable('count', 'size_t', { kind: 'unsigned', bytes: 8 }, [
    { at: [0x0], location: REG(1, 'rdx'), expression: 'DW_OP_reg1' },
    { at: BODY, location: ENTRY(1, 'rdx'), expression: 'DW_OP_entry_value (DW_OP_reg1); DW_OP_stack_value' },
  ], true),
  variable('f', 'struct fd', undefined, [{ at: ALL, location: { kind: 'optimized_out' }, expression: '' }]),
  variable('ret', 'ssize_t', { kind: 'signed', bytes: 8 }, [
    { at: [0x0], location: { kind: 'optimized_out' }, expression: '' },
    { at: [0x6e, 0xba], location: REG(0, 'rax'), expression: 'DW_OP_reg0' },
    { at: [0x7b, 0x80, 0xc7], location: REG(12, 'r12'), expression: 'DW_OP_reg12' },
    { at: [0xdd], location: { kind: 'value', value: -9n }, expression: 'DW_OP_const1s -9; DW_OP_stack_value' },
  ]),
  variable('pos', 'loff_t', { kind: 'signed', bytes: 8 }, [
    { at: [0x6e, 0x7b, 0x80, 0xba, 0xc7], location: { kind: 'memory', base: 'cfa', offset: -56 }, expression: 'DW_OP_fbreg -56' },
  ]),
];

const FUNCTION: DwarfFunction = {
  name: 'ksys_write',
  unit: { offset: 0, name: 'fs/read_write.c', compDir: '/build/linux' },
  declFile: READ_WRITE_C,
  declLine: 626,
  external: true,
  outOfLine: { name: 'ksys_write', inlined: false, ranges: [{ low: BASE, high: END }], entryPc: BASE, callSite: undefined, inlinedInto: undefined, dieOffset: 1 },
  inlinedCopies: [],
  dieOffset: 1,
};

const SYMBOL: FunctionSymbol = { name: 'ksys_write', address: BASE, size: Number(END - BASE), ambiguous: false };

const sameFile = (path: string, query: string): boolean => path === query || path.endsWith(`/${query}`);

export function fakeKsysWriteDebuginfo(): ProgramDebuginfo {
  return {
    path: '/fake/vmlinux-6.1.0-56-amd64',
    buildId: 'eb4fbcd037e7253717950bf2b93bd5566f47c56f',
    findFunctions: (name) => (name === 'ksys_write' ? [FUNCTION] : []),
    lineAddresses: (_f, file, line): LineAddress[] =>
      LINES.filter((l) => l.line === line && sameFile(l.file, file)).flatMap((l) =>
        l.offsets.map((o) => ({ address: at(o), file: l.file, line: l.line, column: 0, function: l.function, inlined: l.function !== 'ksys_write' })),
      ),
    functionLines: (): FunctionLine[] => LINES.map((l) => ({ file: l.file, line: l.line, addresses: l.offsets.map(at) })),
    variablesAt: (address) => VARIABLES.map((v) => v(address)).filter((v): v is ScopeVariable => v !== undefined),
    cfaAt: (address): CfaRule | undefined =>
      address === BASE ? { kind: 'register', dwarfReg: 7, reg: 'rsp', offset: 8 } : address > BASE && address < END ? { kind: 'register', dwarfReg: 7, reg: 'rsp', offset: 56 } : undefined,
    functionSymbolAt: (address) => (address >= BASE && address < END ? SYMBOL : undefined),
    functionSymbol: (name) => (name === 'ksys_write' ? SYMBOL : undefined),
    kprobeRefusal: () => undefined,
    close: () => undefined,
  };
}
