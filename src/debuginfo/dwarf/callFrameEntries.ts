// The entries of a call-frame section (DWARF §6.4.1): CIEs (shared set-up)
// and FDEs (one per function or function part), from either .debug_frame
// (what vmlinux carries) or .eh_frame (what gcc puts in user programs). The
// two differ in how an FDE names its CIE, how addresses are encoded
// (.eh_frame's augmentation "zR..." with DW_EH_PE_* pointer encodings) and
// how the section ends; the instructions inside are the same.
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';

export type CallFrameFlavour = 'debug_frame' | 'eh_frame';

export interface Cie {
  offset: number;
  version: number;
  augmentation: string;
  codeAlignment: number;
  dataAlignment: number;
  returnAddressRegister: number;
  /** DW_EH_PE_* encoding of FDE addresses (eh_frame 'R'); absptr otherwise. */
  pointerEncoding: number;
  addressSize: number;
  /** Initial instructions, run before every FDE's own. */
  instructions: Buffer;
}

export interface Fde {
  offset: number;
  cie: Cie;
  low: bigint;
  high: bigint;
  instructions: Buffer;
}

/** Where a section lives, for pc-relative (.eh_frame) pointers. */
export interface CallFrameSection {
  flavour: CallFrameFlavour;
  data: Buffer;
  /** The section's load address (sh_addr). */
  address: bigint;
  addressSize: number;
}

const DW_EH_PE_omit = 0xff;
const DW_EH_PE_absptr = 0x00;

/**
 * Read an .eh_frame pointer with ENCODING at the cursor. FIELD_ADDRESS is
 * the load address of the field itself (for DW_EH_PE_pcrel).
 */
export function readEncodedPointer(c: Cursor, encoding: number, fieldAddress: bigint, addressSize: number): bigint {
  if (encoding === DW_EH_PE_omit) return 0n;
  let value: bigint;
  switch (encoding & 0x0f) {
    case 0x00:
      value = c.uSized(addressSize);
      break;
    case 0x01:
      value = c.ulebBig();
      break;
    case 0x02:
      value = BigInt(c.u16());
      break;
    case 0x03:
      value = BigInt(c.u32());
      break;
    case 0x04:
      value = c.u64();
      break;
    case 0x09:
      value = c.slebBig();
      break;
    case 0x0a:
      value = BigInt(c.s16());
      break;
    case 0x0b:
      value = BigInt(c.s32());
      break;
    case 0x0c:
      value = c.s64();
      break;
    default:
      throw new DebugInfoError(`unsupported pointer encoding 0x${encoding.toString(16)} in call frame information`);
  }
  switch (encoding & 0x70) {
    case 0x00:
      break;
    case 0x10: // pcrel
      value += fieldAddress;
      break;
    default:
      // textrel/datarel/funcrel do not occur in x86_64 .eh_frame.
      throw new DebugInfoError(`unsupported pointer application 0x${(encoding & 0x70).toString(16)} in call frame information`);
  }
  return BigInt.asUintN(64, value);
}

/** The size of a value encoded with ENCODING, for skipping it. */
function skipEncoded(c: Cursor, encoding: number, addressSize: number): void {
  readEncodedPointer(c, encoding & 0x0f, 0n, addressSize);
}

interface RawEntry {
  offset: number;
  /** Offset of the CIE id / CIE pointer field. */
  idOffset: number;
  bodyEnd: number;
  isCie: boolean;
  /** For an FDE: the offset of its CIE. */
  ciePointer: number;
  offsetSize: 4 | 8;
}

function readEntryHeader(c: Cursor, flavour: CallFrameFlavour): RawEntry | undefined {
  const offset = c.pos;
  let length = c.u32();
  if (length === 0) {
    // .eh_frame ends with a zero terminator; .debug_frame may carry padding.
    return flavour === 'eh_frame' ? undefined : { offset, idOffset: c.pos, bodyEnd: c.pos, isCie: false, ciePointer: -1, offsetSize: 4 };
  }
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = c.u64Number();
    offsetSize = 8;
  }
  const idOffset = c.pos;
  const bodyEnd = idOffset + length;
  const id = offsetSize === 8 ? c.u64Number() : c.u32();
  if (flavour === 'eh_frame') {
    return { offset, idOffset, bodyEnd, isCie: id === 0, ciePointer: idOffset - id, offsetSize };
  }
  const cieId = offsetSize === 8 ? 0xffffffffffffffff : 0xffffffff;
  return { offset, idOffset, bodyEnd, isCie: id === cieId, ciePointer: id, offsetSize };
}

function parseCie(section: CallFrameSection, c: Cursor, raw: RawEntry): Cie {
  const version = c.u8();
  const augmentation = c.cstring();
  let addressSize = section.addressSize;
  if (section.flavour === 'debug_frame' && version >= 4) {
    addressSize = c.u8();
    c.u8(); // segment selector size
  }
  if (augmentation.includes('eh')) c.uSized(addressSize); // old GNU "eh" data
  const codeAlignment = c.uleb();
  const dataAlignment = c.sleb();
  const returnAddressRegister = version === 1 ? c.u8() : c.uleb();
  let pointerEncoding = DW_EH_PE_absptr;
  if (augmentation.startsWith('z')) {
    const augLength = c.uleb();
    const augEnd = c.pos + augLength;
    for (const ch of augmentation.slice(1)) {
      if (ch === 'R') pointerEncoding = c.u8();
      else if (ch === 'P') {
        const enc = c.u8();
        skipEncoded(c, enc, addressSize);
      } else if (ch === 'L') c.u8();
      else if (ch === 'S' || ch === 'B') continue;
      else break; // unknown: the length lets us skip the rest
    }
    c.pos = augEnd;
  } else if (augmentation !== '' && augmentation !== 'eh') {
    throw new DebugInfoError(`unsupported CIE augmentation "${augmentation}" at offset 0x${raw.offset.toString(16)}`);
  }
  return {
    offset: raw.offset,
    version,
    augmentation,
    codeAlignment,
    dataAlignment,
    returnAddressRegister,
    pointerEncoding,
    addressSize,
    instructions: Buffer.from(c.bytes(raw.bodyEnd - c.pos)),
  };
}

/**
 * Every FDE of SECTION, with its CIE parsed, in section order. Instructions
 * are kept as bytes; callFrames.ts runs them on demand.
 */
export function readFdes(section: CallFrameSection): Fde[] {
  const c = Cursor.over(section.data);
  const cies = new Map<number, Cie>();
  const cieAt = (offset: number): Cie => {
    let cie = cies.get(offset);
    if (!cie) {
      const cc = Cursor.over(section.data, offset);
      const raw = readEntryHeader(cc, section.flavour);
      if (!raw || !raw.isCie) throw new DebugInfoError(`FDE points at 0x${offset.toString(16)}, which is not a CIE`);
      cie = parseCie(section, cc, raw);
      cies.set(offset, cie);
    }
    return cie;
  };
  const fdes: Fde[] = [];
  while (c.pos + 4 <= section.data.length) {
    const raw = readEntryHeader(c, section.flavour);
    if (!raw) break;
    if (!raw.isCie && raw.ciePointer >= 0 && raw.bodyEnd > raw.idOffset) {
      const cie = cieAt(raw.ciePointer);
      const fieldAddress = section.address + BigInt(c.pos);
      const low = section.flavour === 'eh_frame' ? readEncodedPointer(c, cie.pointerEncoding, fieldAddress, cie.addressSize) : c.uSized(cie.addressSize);
      // The range is a length: its encoding's format applies, never pc-relative.
      const range = section.flavour === 'eh_frame' ? readEncodedPointer(c, cie.pointerEncoding & 0x0f, 0n, cie.addressSize) : c.uSized(cie.addressSize);
      if (cie.augmentation.startsWith('z')) {
        const augLength = c.uleb();
        c.skip(augLength);
      }
      const instructions = Buffer.from(c.bytes(raw.bodyEnd - c.pos));
      // A zero-length FDE (a discarded function) covers nothing.
      if (range > 0n) fdes.push({ offset: raw.offset, cie, low, high: low + range, instructions });
    }
    c.pos = raw.bodyEnd;
  }
  return fdes;
}
