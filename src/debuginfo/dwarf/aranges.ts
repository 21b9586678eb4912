// .debug_aranges: address ranges → the unit that describes them, so that a
// query for one address parses one unit instead of scanning all of them.
import { Cursor } from '../cursor.js';
import type { ByteSource } from '../fileRegion.js';

export interface ArangeEntry {
  low: bigint;
  high: bigint;
  unitOffset: number;
}

/** All address ranges, sorted by low address. */
export function readAranges(section: ByteSource): ArangeEntry[] {
  const out: ArangeEntry[] = [];
  const c = new Cursor(section, 0);
  while (c.pos < section.length) {
    const setStart = c.pos;
    let length = c.u32();
    let offsetSize = 4;
    if (length === 0xffffffff) {
      length = c.u64Number();
      offsetSize = 8;
    }
    const end = c.pos + length;
    c.u16(); // version (2)
    const unitOffset = offsetSize === 4 ? c.u32() : c.u64Number();
    const addressSize = c.u8();
    c.u8(); // segment selector size
    // Tuples start at a multiple of twice the address size from the set's start.
    const tupleSize = 2 * addressSize;
    const rel = c.pos - setStart;
    c.pos = setStart + Math.ceil(rel / tupleSize) * tupleSize;
    while (c.pos + tupleSize <= end) {
      const low = c.uSized(addressSize);
      const len = c.uSized(addressSize);
      if (low === 0n && len === 0n) break;
      if (len > 0n) out.push({ low, high: low + len, unitOffset });
    }
    c.pos = end;
  }
  out.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  return out;
}

/** Units whose ranges contain ADDRESS (normally one). */
export function unitsForAddress(aranges: readonly ArangeEntry[], address: bigint): number[] {
  // Binary search for the last entry with low <= address, then look back for overlaps.
  let lo = 0;
  let hi = aranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (aranges[mid]!.low <= address) lo = mid + 1;
    else hi = mid;
  }
  const found = new Set<number>();
  for (let i = lo - 1; i >= 0 && i >= lo - 64; i--) {
    const e = aranges[i]!;
    if (address >= e.low && address < e.high) found.add(e.unitOffset);
  }
  return [...found];
}
