// Address ranges of a DIE: low_pc/high_pc, or DW_AT_ranges into
// .debug_ranges (DWARF 4) or .debug_rnglists (DWARF 5).
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import { DW_AT, DW_RLE } from './constants.js';
import type { Die } from './die.js';
import type { DwarfUnit } from './unit.js';

/** Half-open [low, high). */
export interface AddressRange {
  low: bigint;
  high: bigint;
}

export function rangesContain(ranges: readonly AddressRange[], address: bigint): boolean {
  return ranges.some((r) => address >= r.low && address < r.high);
}

/** The code ranges of DIE; empty if it has none (declarations, abstract instances). */
export function dieRanges(die: Die): AddressRange[] {
  const unit = die.unit;
  const rangesAttr = die.attr(DW_AT.ranges);
  if (rangesAttr) {
    if (rangesAttr.form === 'rnglistx') return readRangeList(unit, unit.rnglistOffset(rangesAttr.index));
    const offset = rangesAttr.form === 'sec_offset' ? rangesAttr.offset : rangesAttr.form === 'constant' ? Number(rangesAttr.value) : undefined;
    if (offset === undefined) throw new DebugInfoError(`DW_AT_ranges with unexpected form ${rangesAttr.form}`);
    return readRangeList(unit, offset);
  }
  const low = unit.addressOf(die.attr(DW_AT.low_pc));
  if (low === undefined) return [];
  const highAttr = die.attr(DW_AT.high_pc);
  if (!highAttr) return [];
  // high_pc of constant class is a length from low_pc (DWARF 4 and later).
  const high = highAttr.form === 'constant' ? low + highAttr.value : unit.addressOf(highAttr);
  if (high === undefined || high <= low) return [];
  return [{ low, high }];
}

function readRangeList(unit: DwarfUnit, offset: number): AddressRange[] {
  return unit.version >= 5 ? readRnglist(unit, offset) : readDebugRanges(unit, offset);
}

function readDebugRanges(unit: DwarfUnit, offset: number): AddressRange[] {
  const section = unit.ctx.sections.ranges;
  if (!section) throw new DebugInfoError('DW_AT_ranges without .debug_ranges');
  const size = unit.header.addressSize;
  const maxAddress = size === 8 ? 0xffffffffffffffffn : 0xffffffffn;
  const c = new Cursor(section, offset);
  let base = unit.baseAddress();
  const out: AddressRange[] = [];
  for (;;) {
    const start = c.uSized(size);
    const end = c.uSized(size);
    if (start === 0n && end === 0n) return out;
    if (start === maxAddress) {
      base = end; // base address selection entry
      continue;
    }
    if (end > start) out.push({ low: base + start, high: base + end });
  }
}

function readRnglist(unit: DwarfUnit, offset: number): AddressRange[] {
  const section = unit.ctx.sections.rnglists;
  if (!section) throw new DebugInfoError('DW_AT_ranges without .debug_rnglists');
  const size = unit.header.addressSize;
  const c = new Cursor(section, offset);
  let base = unit.baseAddress();
  const out: AddressRange[] = [];
  const push = (low: bigint, high: bigint): void => {
    if (high > low) out.push({ low, high });
  };
  for (;;) {
    const kind = c.u8();
    switch (kind) {
      case DW_RLE.end_of_list:
        return out;
      case DW_RLE.base_addressx:
        base = unit.addressAt(c.uleb());
        break;
      case DW_RLE.startx_endx: {
        const s = unit.addressAt(c.uleb());
        push(s, unit.addressAt(c.uleb()));
        break;
      }
      case DW_RLE.startx_length: {
        const s = unit.addressAt(c.uleb());
        push(s, s + c.ulebBig());
        break;
      }
      case DW_RLE.offset_pair: {
        const s = c.ulebBig();
        push(base + s, base + c.ulebBig());
        break;
      }
      case DW_RLE.base_address:
        base = c.uSized(size);
        break;
      case DW_RLE.start_end: {
        const s = c.uSized(size);
        push(s, c.uSized(size));
        break;
      }
      case DW_RLE.start_length: {
        const s = c.uSized(size);
        push(s, s + c.ulebBig());
        break;
      }
      default:
        throw new DebugInfoError(`unknown DW_RLE entry 0x${kind.toString(16)} at .debug_rnglists+0x${(c.pos - 1).toString(16)}`);
    }
  }
}
