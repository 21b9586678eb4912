// One ELF file with debug information, as the statement-probe resolver sees
// it: DWARF (functions, lines, variables), call-frame information (the CFA
// at an address) and the function symbols that addresses are named by.
// The resolver depends on this interface only, so a unit test can hand it a
// program compiled during the test and golden tests a small canned fake.
import { lastAtOrBelow } from './lastAtOrBelow.js';
import { CallFrameInfo, type CfaRule } from './dwarf/callFrames.js';
import { disassemble, type Instruction } from './disassemble.js';
import { openElf } from './elf.js';
import { DwarfInfo, type DwarfFunction, type FunctionLine, type LineAddress, type ScopeVariable } from './dwarf/dwarfInfo.js';

export interface FunctionSymbol {
  name: string;
  address: bigint;
  size: number;
  /** Another function symbol has the same name (static functions in different files). */
  ambiguous: boolean;
}

export interface ProgramDebuginfo {
  /** Where it was read from, for messages. */
  readonly path: string;
  readonly buildId: string | undefined;
  findFunctions(name: string): DwarfFunction[];
  lineAddresses(f: DwarfFunction, file: string, line: number): LineAddress[];
  functionLines(f: DwarfFunction): FunctionLine[];
  variablesAt(address: bigint): ScopeVariable[];
  /** How to compute the CFA at ADDRESS; undefined without call-frame information there. */
  cfaAt(address: bigint): CfaRule | undefined;
  /** The ELF function symbol whose [address, address+size) holds ADDRESS. */
  functionSymbolAt(address: bigint): FunctionSymbol | undefined;
  /** The function symbol called NAME (the first, if the name is ambiguous). */
  functionSymbol(name: string): FunctionSymbol | undefined;
  /**
   * Why the kernel would refuse a kprobe at ADDRESS in SYMBOL, if it would:
   * its blacklist (NOKPROBE_SYMBOL, recorded as `_kbl_addr_NAME` symbols) and
   * the text ranges kprobes never touch (entry, noinstr, kprobes code).
   */
  kprobeRefusal(symbol: FunctionSymbol, address: bigint): string | undefined;
  /** The instructions in [from, to) (objdump); undefined when they cannot be read. Optional: fakes have no code. */
  disassemble?(from: bigint, to: bigint): Instruction[] | undefined;
  close(): void;
}

/** Text ranges the kernel refuses kprobes in, by their start/end symbols. */
const REFUSED_TEXT: readonly { from: string; to: string; what: string }[] = [
  { from: '__kprobes_text_start', to: '__kprobes_text_end', what: 'kprobes code' },
  { from: '__entry_text_start', to: '__entry_text_end', what: 'entry code' },
  { from: '__irqentry_text_start', to: '__irqentry_text_end', what: 'interrupt entry code' },
  { from: '__noinstr_text_start', to: '__noinstr_text_end', what: 'noinstr code' },
];

export interface ProgramDebuginfoOptions {
  /**
   * The file holding the program's code and its .eh_frame, when the DWARF
   * is in a separate debug file (found by build-id), whose copies of them
   * are empty (SHT_NOBITS); call-frame information and disassembly come
   * from it. Default: PATH itself.
   */
  code?: string;
}

/** Open PATH (vmlinux with DWARF, or a program built with -g, or a program's debug file). */
export function openProgramDebuginfo(path: string, options: ProgramDebuginfoOptions = {}): ProgramDebuginfo {
  const dwarf = DwarfInfo.open(path);
  const codePath = options.code ?? path;
  let refusals: { blacklist: Set<string>; ranges: { low: bigint; high: bigint; what: string }[] } | undefined;
  const kernelRefusals = (): NonNullable<typeof refusals> => {
    if (refusals) return refusals;
    const byName = new Map<string, bigint>();
    const blacklist = new Set<string>();
    for (const s of dwarf.elf.symbols()) {
      if (s.name.startsWith('_kbl_addr_')) blacklist.add(s.name.slice('_kbl_addr_'.length));
      else if (s.name.startsWith('__') && s.name.endsWith('_text_start')) byName.set(s.name, s.value);
      else if (s.name.startsWith('__') && s.name.endsWith('_text_end')) byName.set(s.name, s.value);
    }
    const ranges = REFUSED_TEXT.flatMap((r) => {
      const low = byName.get(r.from);
      const high = byName.get(r.to);
      return low !== undefined && high !== undefined ? [{ low, high, what: r.what }] : [];
    });
    refusals = { blacklist, ranges };
    return refusals;
  };
  let cfi: CallFrameInfo | undefined | null = null;
  let symbols: FunctionSymbol[] | undefined;
  const sortedSymbols = (): FunctionSymbol[] => {
    if (symbols) return symbols;
    const funcs = dwarf.elf.symbols().filter((s) => s.type === 'func' && s.value !== 0n && s.size > 0);
    const count = new Map<string, number>();
    for (const s of funcs) count.set(s.name, (count.get(s.name) ?? 0) + 1);
    symbols = funcs
      .map((s) => ({ name: s.name, address: s.value, size: s.size, ambiguous: count.get(s.name)! > 1 }))
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    return symbols;
  };
  return {
    path,
    buildId: dwarf.buildId(),
    findFunctions: (name) => dwarf.findFunctions(name),
    lineAddresses: (f, file, line) => dwarf.lineAddresses(f, file, line),
    functionLines: (f) => dwarf.functionLines(f),
    variablesAt: (address) => dwarf.variablesAt(address),
    cfaAt: (address) => {
      if (cfi === null) {
        if (codePath === path) cfi = CallFrameInfo.fromElf(dwarf.elf);
        else {
          const code = openElf(codePath);
          try {
            cfi = CallFrameInfo.fromElf(code);
          } finally {
            code.close();
          }
        }
      }
      return cfi?.rowAt(address)?.cfa;
    },
    functionSymbolAt: (address) => {
      const all = sortedSymbols();
      // The last symbol starting at or before ADDRESS that still covers it.
      const best = lastAtOrBelow(all, address, (s) => s.address);
      // Symbols may nest (aliases, a local label symbol inside a function):
      // look back a few for one whose size still covers ADDRESS.
      for (let i = best; i >= 0 && i > best - 8; i--) {
        const s = all[i]!;
        if (address < s.address + BigInt(s.size)) return s;
      }
      return undefined;
    },
    functionSymbol: (name) => sortedSymbols().find((s) => s.name === name),
    kprobeRefusal: (symbol, address) => {
      const r = kernelRefusals();
      if (r.blacklist.has(symbol.name)) return `${symbol.name} is on the kernel's kprobe blacklist (NOKPROBE_SYMBOL)`;
      const range = r.ranges.find((x) => address >= x.low && address < x.high);
      return range ? `${symbol.name} is ${range.what}, which the kernel never lets a kprobe into` : undefined;
    },
    disassemble: (from, to) => disassemble(codePath, from, to),
    close: () => dwarf.close(),
  };
}
