// Attribute values decoded by form class. Indirections that need the unit's
// bases (strx, addrx, loclistx, rnglistx) are kept as indexes and resolved by
// the unit on access, because the bases are attributes of the unit DIE itself.
import type { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import { DW_FORM } from './constants.js';

export type AttrValue =
  | { form: 'address'; value: bigint }
  | { form: 'addrx'; index: number }
  | { form: 'constant'; value: bigint; signed: boolean }
  | { form: 'block'; bytes: Buffer; exprloc: boolean }
  | { form: 'string'; value: string }
  | { form: 'strp'; offset: number; section: 'str' | 'line_str' | 'alt' }
  | { form: 'strx'; index: number }
  /** An absolute .debug_info offset (unit-relative refs are rebased). */
  | { form: 'ref'; offset: number }
  | { form: 'ref_alt'; offset: number }
  | { form: 'ref_sig8'; signature: bigint }
  | { form: 'sec_offset'; offset: number }
  | { form: 'loclistx'; index: number }
  | { form: 'rnglistx'; index: number }
  | { form: 'flag'; value: boolean }
  | { form: 'data16'; bytes: Buffer };

export interface FormContext {
  addressSize: number;
  offsetSize: 4 | 8;
  version: number;
  unitOffset: number;
}

function offset(c: Cursor, size: 4 | 8): number {
  return size === 4 ? c.u32() : c.u64Number();
}

export function readAttrValue(c: Cursor, form: number, ctx: FormContext, implicitConst: bigint | undefined): AttrValue {
  switch (form) {
    case DW_FORM.addr:
      return { form: 'address', value: c.uSized(ctx.addressSize) };
    case DW_FORM.addrx:
    case DW_FORM.GNU_addr_index:
      return { form: 'addrx', index: c.uleb() };
    case DW_FORM.addrx1:
      return { form: 'addrx', index: c.u8() };
    case DW_FORM.addrx2:
      return { form: 'addrx', index: c.u16() };
    case DW_FORM.addrx3:
      return { form: 'addrx', index: c.u24() };
    case DW_FORM.addrx4:
      return { form: 'addrx', index: c.u32() };
    case DW_FORM.data1:
      return { form: 'constant', value: BigInt(c.u8()), signed: false };
    case DW_FORM.data2:
      return { form: 'constant', value: BigInt(c.u16()), signed: false };
    case DW_FORM.data4:
      return { form: 'constant', value: BigInt(c.u32()), signed: false };
    case DW_FORM.data8:
      return { form: 'constant', value: c.u64(), signed: false };
    case DW_FORM.udata:
      return { form: 'constant', value: c.ulebBig(), signed: false };
    case DW_FORM.sdata:
      return { form: 'constant', value: c.slebBig(), signed: true };
    case DW_FORM.implicit_const:
      return { form: 'constant', value: implicitConst ?? 0n, signed: true };
    case DW_FORM.data16:
      return { form: 'data16', bytes: c.bytes(16) };
    case DW_FORM.block1:
      return { form: 'block', bytes: c.bytes(c.u8()), exprloc: false };
    case DW_FORM.block2:
      return { form: 'block', bytes: c.bytes(c.u16()), exprloc: false };
    case DW_FORM.block4:
      return { form: 'block', bytes: c.bytes(c.u32()), exprloc: false };
    case DW_FORM.block:
      return { form: 'block', bytes: c.bytes(c.uleb()), exprloc: false };
    case DW_FORM.exprloc:
      return { form: 'block', bytes: c.bytes(c.uleb()), exprloc: true };
    case DW_FORM.string:
      return { form: 'string', value: c.cstring() };
    case DW_FORM.strp:
      return { form: 'strp', offset: offset(c, ctx.offsetSize), section: 'str' };
    case DW_FORM.line_strp:
      return { form: 'strp', offset: offset(c, ctx.offsetSize), section: 'line_str' };
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_strp_alt:
      return { form: 'strp', offset: offset(c, ctx.offsetSize), section: 'alt' };
    case DW_FORM.strx:
    case DW_FORM.GNU_str_index:
      return { form: 'strx', index: c.uleb() };
    case DW_FORM.strx1:
      return { form: 'strx', index: c.u8() };
    case DW_FORM.strx2:
      return { form: 'strx', index: c.u16() };
    case DW_FORM.strx3:
      return { form: 'strx', index: c.u24() };
    case DW_FORM.strx4:
      return { form: 'strx', index: c.u32() };
    case DW_FORM.ref1:
      return { form: 'ref', offset: ctx.unitOffset + c.u8() };
    case DW_FORM.ref2:
      return { form: 'ref', offset: ctx.unitOffset + c.u16() };
    case DW_FORM.ref4:
      return { form: 'ref', offset: ctx.unitOffset + c.u32() };
    case DW_FORM.ref8:
      return { form: 'ref', offset: ctx.unitOffset + c.u64Number() };
    case DW_FORM.ref_udata:
      return { form: 'ref', offset: ctx.unitOffset + c.uleb() };
    case DW_FORM.ref_addr:
      // DWARF 2 sized ref_addr like an address; later versions like an offset.
      return { form: 'ref', offset: ctx.version <= 2 ? Number(c.uSized(ctx.addressSize)) : offset(c, ctx.offsetSize) };
    case DW_FORM.ref_sup4:
      return { form: 'ref_alt', offset: c.u32() };
    case DW_FORM.ref_sup8:
      return { form: 'ref_alt', offset: c.u64Number() };
    case DW_FORM.GNU_ref_alt:
      return { form: 'ref_alt', offset: offset(c, ctx.offsetSize) };
    case DW_FORM.ref_sig8:
      return { form: 'ref_sig8', signature: c.u64() };
    case DW_FORM.sec_offset:
      return { form: 'sec_offset', offset: offset(c, ctx.offsetSize) };
    case DW_FORM.loclistx:
      return { form: 'loclistx', index: c.uleb() };
    case DW_FORM.rnglistx:
      return { form: 'rnglistx', index: c.uleb() };
    case DW_FORM.flag:
      return { form: 'flag', value: c.u8() !== 0 };
    case DW_FORM.flag_present:
      return { form: 'flag', value: true };
    case DW_FORM.indirect:
      return readAttrValue(c, c.uleb(), ctx, implicitConst);
    default:
      throw new DebugInfoError(`unknown DWARF form 0x${form.toString(16)}`);
  }
}
