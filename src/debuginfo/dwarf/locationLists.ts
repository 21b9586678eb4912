// A variable's location description: one expression valid everywhere, or a
// location list of (range, expression) entries from .debug_loc (DWARF 4) or
// .debug_loclists (DWARF 5).
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import type { AttrValue } from './attrValue.js';
import { DW_LLE } from './constants.js';
import type { DwarfUnit } from './unit.js';

export interface LocationListEntry {
  /** Half-open [low, high); undefined for a DWARF 5 default location. */
  low: bigint | undefined;
  high: bigint | undefined;
  expr: Buffer;
}

export type LocationDescription =
  | { kind: 'expression'; expr: Buffer }
  | { kind: 'list'; entries: LocationListEntry[] };

/** Decode a DW_AT_location (or DW_AT_frame_base) attribute value. */
export function locationDescription(unit: DwarfUnit, v: AttrValue): LocationDescription | undefined {
  switch (v.form) {
    case 'block':
      return { kind: 'expression', expr: v.bytes };
    case 'loclistx':
      return { kind: 'list', entries: readLocList(unit, unit.loclistOffset(v.index)) };
    case 'sec_offset':
      return { kind: 'list', entries: readLocList(unit, v.offset) };
    case 'constant': // DWARF 3: data4/data8 were location list offsets
      return { kind: 'list', entries: readLocList(unit, Number(v.value)) };
    default:
      return undefined;
  }
}

function readLocList(unit: DwarfUnit, offset: number): LocationListEntry[] {
  return unit.version >= 5 ? readLoclists(unit, offset) : readDebugLoc(unit, offset);
}

function readDebugLoc(unit: DwarfUnit, offset: number): LocationListEntry[] {
  const section = unit.ctx.sections.loc;
  if (!section) throw new DebugInfoError('location list without .debug_loc');
  const size = unit.header.addressSize;
  const maxAddress = size === 8 ? 0xffffffffffffffffn : 0xffffffffn;
  const c = new Cursor(section, offset);
  let base = unit.baseAddress();
  const out: LocationListEntry[] = [];
  for (;;) {
    const start = c.uSized(size);
    const end = c.uSized(size);
    if (start === 0n && end === 0n) return out;
    if (start === maxAddress) {
      base = end;
      continue;
    }
    const expr = Buffer.from(c.bytes(c.u16()));
    out.push({ low: base + start, high: base + end, expr });
  }
}

function readLoclists(unit: DwarfUnit, offset: number): LocationListEntry[] {
  const section = unit.ctx.sections.loclists;
  if (!section) throw new DebugInfoError('location list without .debug_loclists');
  const size = unit.header.addressSize;
  const c = new Cursor(section, offset);
  let base = unit.baseAddress();
  const out: LocationListEntry[] = [];
  const expr = (): Buffer => Buffer.from(c.bytes(c.uleb()));
  for (;;) {
    const kind = c.u8();
    switch (kind) {
      case DW_LLE.end_of_list:
        return out;
      case DW_LLE.base_addressx:
        base = unit.addressAt(c.uleb());
        break;
      case DW_LLE.startx_endx: {
        const low = unit.addressAt(c.uleb());
        const high = unit.addressAt(c.uleb());
        out.push({ low, high, expr: expr() });
        break;
      }
      case DW_LLE.startx_length: {
        const low = unit.addressAt(c.uleb());
        const high = low + c.ulebBig();
        out.push({ low, high, expr: expr() });
        break;
      }
      case DW_LLE.offset_pair: {
        const low = base + c.ulebBig();
        const high = base + c.ulebBig();
        out.push({ low, high, expr: expr() });
        break;
      }
      case DW_LLE.default_location:
        out.push({ low: undefined, high: undefined, expr: expr() });
        break;
      case DW_LLE.base_address:
        base = c.uSized(size);
        break;
      case DW_LLE.start_end: {
        const low = c.uSized(size);
        const high = c.uSized(size);
        out.push({ low, high, expr: expr() });
        break;
      }
      case DW_LLE.start_length: {
        const low = c.uSized(size);
        const high = low + c.ulebBig();
        out.push({ low, high, expr: expr() });
        break;
      }
      case DW_LLE.GNU_view_pair:
        c.uleb();
        c.uleb();
        break;
      default:
        throw new DebugInfoError(`unknown DW_LLE entry 0x${kind.toString(16)} at .debug_loclists+0x${(c.pos - 1).toString(16)}`);
    }
  }
}

/** The expression in effect at ADDRESS, or undefined if none (optimised out there). */
export function expressionAt(desc: LocationDescription, address: bigint): Buffer | undefined {
  if (desc.kind === 'expression') return desc.expr;
  let fallback: Buffer | undefined;
  for (const e of desc.entries) {
    if (e.low === undefined) fallback = e.expr;
    else if (address >= e.low && address < e.high!) return e.expr;
  }
  return fallback;
}
