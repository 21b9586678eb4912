// Decoding of raw BTF bytes (a .BTF section, /sys/kernel/btf/vmlinux, or a
// module's split BTF on top of a base) into BtfType records.
import { DebugInfoError } from './debugInfoError.js';
import { BtfKind, type BtfType } from './btfTypes.js';

const BTF_MAGIC = 0xeb9f;

export interface RawBtf {
  /** types[i] has id firstId + i. */
  types: BtfType[];
  firstId: number;
  strings: Buffer;
  /** String offsets below this belong to the base BTF (split BTF only). */
  firstStringOffset: number;
}

/**
 * Parse BTF bytes. For split BTF (kernel module BTF), pass the base's
 * type count and string length: ids and string offsets continue from it.
 */
export function parseRawBtf(
  data: Buffer,
  base?: { typeCount: number; stringLength: number; stringAt: (off: number) => string },
): RawBtf {
  if (data.length < 24 || data.readUInt16LE(0) !== BTF_MAGIC) {
    const swapped = data.length >= 2 && data.readUInt16BE(0) === BTF_MAGIC;
    throw new DebugInfoError(swapped ? 'big-endian BTF is not supported' : 'not BTF data (bad magic)');
  }
  const hdrLen = data.readUInt32LE(4);
  const typeOff = data.readUInt32LE(8);
  const typeLen = data.readUInt32LE(12);
  const strOff = data.readUInt32LE(16);
  const strLen = data.readUInt32LE(20);
  const types = data.subarray(hdrLen + typeOff, hdrLen + typeOff + typeLen);
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (types.length !== typeLen || strings.length !== strLen) throw new DebugInfoError('truncated BTF');

  const firstId = base ? base.typeCount + 1 : 1;
  const firstStringOffset = base ? base.stringLength : 0;
  const name = (off: number): string => {
    if (off < firstStringOffset) return base!.stringAt(off);
    const start = off - firstStringOffset;
    const end = strings.indexOf(0, start);
    return strings.toString('utf8', start, end < 0 ? strings.length : end);
  };

  const out: BtfType[] = [];
  let p = 0;
  while (p < types.length) {
    const id = firstId + out.length;
    const nameOff = types.readUInt32LE(p);
    const info = types.readUInt32LE(p + 4);
    const sizeOrType = types.readUInt32LE(p + 8);
    p += 12;
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const n = name(nameOff);
    switch (kind) {
      case BtfKind.INT: {
        const enc = types.readUInt32LE(p);
        p += 4;
        const encoding = (enc >>> 24) & 0xf;
        out.push({
          kind: 'int',
          id,
          name: n,
          size: sizeOrType,
          signed: (encoding & 1) !== 0,
          char: (encoding & 2) !== 0,
          bool: (encoding & 4) !== 0,
          bitOffset: (enc >>> 16) & 0xff,
          bits: enc & 0xff,
        });
        break;
      }
      case BtfKind.PTR:
        out.push({ kind: 'ptr', id, name: n, type: sizeOrType });
        break;
      case BtfKind.ARRAY:
        out.push({
          kind: 'array',
          id,
          name: n,
          type: types.readUInt32LE(p),
          indexType: types.readUInt32LE(p + 4),
          nelems: types.readUInt32LE(p + 8),
        });
        p += 12;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const offset = types.readUInt32LE(p + 8);
          // With kind_flag set, the offset word packs the bitfield size on top.
          members.push({
            name: name(types.readUInt32LE(p)),
            type: types.readUInt32LE(p + 4),
            bitOffset: kindFlag ? offset & 0xffffff : offset,
            bitSize: kindFlag ? offset >>> 24 : 0,
          });
        }
        out.push({ kind: kind === BtfKind.STRUCT ? 'struct' : 'union', id, name: n, size: sizeOrType, members });
        break;
      }
      case BtfKind.ENUM: {
        const values = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          const raw = types.readUInt32LE(p + 4);
          values.push({ name: name(types.readUInt32LE(p)), value: kindFlag ? BigInt(raw | 0) : BigInt(raw) });
        }
        out.push({ kind: 'enum', id, name: n, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case BtfKind.ENUM64: {
        const values = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const lo = BigInt(types.readUInt32LE(p + 4));
          const hi = BigInt(types.readUInt32LE(p + 8));
          const u = (hi << 32n) | lo;
          values.push({ name: name(types.readUInt32LE(p)), value: kindFlag ? BigInt.asIntN(64, u) : u });
        }
        out.push({ kind: 'enum', id, name: n, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case BtfKind.FWD:
        out.push({ kind: 'fwd', id, name: n, union: kindFlag });
        break;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG: {
        const k = ({ 8: 'typedef', 9: 'volatile', 10: 'const', 11: 'restrict', 18: 'type_tag' } as const)[kind];
        out.push({ kind: k, id, name: n, type: sizeOrType });
        break;
      }
      case BtfKind.FUNC:
        out.push({ kind: 'func', id, name: n, type: sizeOrType, linkage: (['static', 'global', 'extern'] as const)[vlen] ?? 'global' });
        break;
      case BtfKind.FUNC_PROTO: {
        const params = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          params.push({ name: name(types.readUInt32LE(p)), type: types.readUInt32LE(p + 4) });
        }
        out.push({ kind: 'func_proto', id, name: n, returnType: sizeOrType, params });
        break;
      }
      case BtfKind.VAR:
        out.push({ kind: 'var', id, name: n, type: sizeOrType, linkage: types.readUInt32LE(p) });
        p += 4;
        break;
      case BtfKind.DATASEC: {
        const vars = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          vars.push({ type: types.readUInt32LE(p), offset: types.readUInt32LE(p + 4), size: types.readUInt32LE(p + 8) });
        }
        out.push({ kind: 'datasec', id, name: n, size: sizeOrType, vars });
        break;
      }
      case BtfKind.FLOAT:
        out.push({ kind: 'float', id, name: n, size: sizeOrType });
        break;
      case BtfKind.DECL_TAG:
        out.push({ kind: 'decl_tag', id, name: n, type: sizeOrType, componentIndex: types.readInt32LE(p) });
        p += 4;
        break;
      default:
        // Unknown kinds have unknown trailing data: nothing after them can be trusted.
        throw new DebugInfoError(`unknown BTF kind ${kind} at type id ${id}`);
    }
  }
  return { types: out, firstId, strings, firstStringOffset };
}
