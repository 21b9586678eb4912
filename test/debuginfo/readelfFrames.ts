// Oracle for the call-frame reader: `readelf --debug-dump=frames-interp`
// parsed into FDEs and their rows, and our rows printed the way readelf
// prints them, so the two compare as text.
import type { CallFrameInfo, CallFrameRow, RegisterRule } from '../../src/debuginfo/dwarf/callFrames.js';
import { x86RegisterName } from '../../src/debuginfo/dwarf/registers.js';
import type { RegsAddress } from '../../src/expr/localAccess.js';
import { ptRegsFieldByName } from '../../src/probeFamilies/sourceLine/ptRegs.js';

export interface ReadelfFde {
  low: bigint;
  high: bigint;
  /** Column names after LOC and CFA ("rbx", "r12", "ra"). */
  columns: string[];
  rows: { loc: bigint; cells: string[] }[];
}

/** FDEs of SECTION ('.debug_frame' or '.eh_frame') in readelf's frames-interp TEXT. */
export function parseReadelfFrames(text: string, section: string): ReadelfFde[] {
  const start = text.indexOf(`Contents of the ${section} section:`);
  if (start < 0) return [];
  const next = text.indexOf('Contents of the ', start + 10);
  const body = text.slice(start, next < 0 ? text.length : next);
  const out: ReadelfFde[] = [];
  let current: ReadelfFde | undefined;
  for (const line of body.split('\n')) {
    const fde = /^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (fde) {
      current = { low: BigInt(`0x${fde[1]}`), high: BigInt(`0x${fde[2]}`), columns: [], rows: [] };
      out.push(current);
      continue;
    }
    if (/^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ CIE/.test(line) || /ZERO terminator/.test(line)) {
      current = undefined;
      continue;
    }
    if (!current) continue;
    const header = /^\s+LOC\s+CFA\s*(.*)$/.exec(line);
    if (header) {
      current.columns = header[1]!.trim().split(/\s+/).filter(Boolean);
      continue;
    }
    const row = /^([0-9a-f]{8,16}) (.*)$/.exec(line);
    if (row) current.rows.push({ loc: BigInt(`0x${row[1]}`), cells: row[2]!.trim().split(/\s+/) });
  }
  return out;
}

/** readelf's DWARF register number for a column name. */
export function readelfColumnRegister(name: string, returnAddressRegister = 16): number {
  if (name === 'ra') return returnAddressRegister;
  for (let r = 0; r < 64; r++) if (x86RegisterName(r) === name) return r;
  const m = /^r(\d+)$/.exec(name);
  if (m) return Number(m[1]);
  throw new Error(`unknown readelf register column ${name}`);
}

function ruleText(rule: RegisterRule | undefined): string {
  if (!rule) return 'u';
  switch (rule.kind) {
    case 'undefined':
      return 'u';
    case 'same':
      return 's';
    case 'offset':
      return `c${rule.offset >= 0 ? '+' : ''}${rule.offset}`;
    case 'val_offset':
      return `v${rule.offset >= 0 ? '+' : ''}${rule.offset}`;
    case 'register':
      return x86RegisterName(rule.dwarfReg);
    case 'expression':
      return 'exp';
    case 'val_expression':
      return 'vexp';
  }
}

/** Our row as readelf prints it: CFA then the named columns. */
export function rowCells(row: CallFrameRow, columns: readonly string[]): string[] {
  const cfa = row.cfa.kind === 'register' ? `${row.cfa.reg}${row.cfa.offset >= 0 ? '+' : ''}${row.cfa.offset}` : 'exp';
  return [cfa, ...columns.map((c) => ruleText(row.registers.get(readelfColumnRegister(c))))];
}

export interface FrameComparison {
  fdes: number;
  rows: number;
  mismatches: string[];
}

/** Compare every readelf FDE row with ours at the same address. */
export function compareWithReadelf(cfi: CallFrameInfo, fdes: readonly ReadelfFde[]): FrameComparison {
  const mismatches: string[] = [];
  let rows = 0;
  for (const f of fdes) {
    if (f.high === f.low) continue;
    const ours = cfi.fdeAt(f.low);
    if (!ours || ours.low !== f.low || ours.high !== f.high) {
      mismatches.push(`FDE 0x${f.low.toString(16)}..0x${f.high.toString(16)}: ours ${ours ? `0x${ours.low.toString(16)}..0x${ours.high.toString(16)}` : 'missing'}`);
      continue;
    }
    for (const r of f.rows) {
      rows++;
      const row = cfi.rowAt(r.loc);
      const got = row ? rowCells(row, f.columns) : ['(no row)'];
      if (got.join(' ') !== r.cells.join(' ')) mismatches.push(`0x${r.loc.toString(16)}: readelf ${r.cells.join(' ')} | ours ${got.join(' ')}`);
    }
  }
  return { fdes: fdes.length, rows, mismatches };
}

/** The CFA at an address as readelf's rows say, in pt_regs terms (undefined outside every FDE or for expressions). */
export function readelfCfa(fdes: readonly ReadelfFde[]): (address: bigint) => RegsAddress | undefined {
  const sorted = [...fdes].filter((f) => f.high > f.low).sort((a, b) => (a.low < b.low ? -1 : 1));
  return (address) => {
    const fde = sorted.find((f) => address >= f.low && address < f.high);
    if (!fde) return undefined;
    let cell: string | undefined;
    for (const r of fde.rows) if (r.loc <= address) cell = r.cells[0];
    const m = cell ? /^(\w+)([+-]\d+)$/.exec(cell) : null;
    const reg = m ? ptRegsFieldByName(m[1]!) : undefined;
    return m && reg ? { base: reg, offset: Number(m[2]) } : undefined;
  };
}
