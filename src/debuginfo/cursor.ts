// A forward-reading little-endian cursor over a ByteSource, with the LEB128
// and NUL-terminated string encodings DWARF and BTF use. It keeps a window of
// the source in memory and refills it on demand, so it works the same over a
// small in-memory buffer and over a 300 MB section read through a page cache.
import type { ByteSource } from './fileRegion.js';
import { BufferSource } from './fileRegion.js';
import { DebugInfoError } from './debugInfoError.js';

const WINDOW = 16 * 1024;
const TWO_POW_32 = 0x1_0000_0000;

export class Cursor {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  /** POS is an offset into SOURCE; reads past END throw. */
  constructor(
    readonly source: ByteSource,
    public pos = 0,
    readonly end = source.length,
  ) {}

  static over(buffer: Buffer, pos = 0): Cursor {
    return new Cursor(new BufferSource(buffer), pos);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private ensure(n: number): number {
    const rel = this.pos - this.windowStart;
    if (rel >= 0 && rel + n <= this.window.length) return rel;
    if (this.pos + n > this.end) {
      throw new DebugInfoError(`read of ${n} bytes at offset ${this.pos} runs past the end (${this.end})`);
    }
    this.window = this.source.bytes(this.pos, Math.max(n, Math.min(WINDOW, this.end - this.pos)));
    this.windowStart = this.pos;
    if (this.window.length < n) throw new DebugInfoError(`short read at offset ${this.pos}`);
    return 0;
  }

  u8(): number {
    const rel = this.ensure(1);
    this.pos += 1;
    return this.window[rel]!;
  }
  s8(): number {
    const rel = this.ensure(1);
    this.pos += 1;
    return this.window.readInt8(rel);
  }
  u16(): number {
    const rel = this.ensure(2);
    this.pos += 2;
    return this.window.readUInt16LE(rel);
  }
  s16(): number {
    const rel = this.ensure(2);
    this.pos += 2;
    return this.window.readInt16LE(rel);
  }
  u24(): number {
    const rel = this.ensure(3);
    this.pos += 3;
    return this.window.readUIntLE(rel, 3);
  }
  u32(): number {
    const rel = this.ensure(4);
    this.pos += 4;
    return this.window.readUInt32LE(rel);
  }
  s32(): number {
    const rel = this.ensure(4);
    this.pos += 4;
    return this.window.readInt32LE(rel);
  }
  u64(): bigint {
    const rel = this.ensure(8);
    this.pos += 8;
    return this.window.readBigUInt64LE(rel);
  }
  s64(): bigint {
    const rel = this.ensure(8);
    this.pos += 8;
    return this.window.readBigInt64LE(rel);
  }
  /** A 64-bit value known to be a file offset or size (fits in a double). */
  u64Number(): number {
    const rel = this.ensure(8);
    this.pos += 8;
    const lo = this.window.readUInt32LE(rel);
    const hi = this.window.readUInt32LE(rel + 4);
    return hi * TWO_POW_32 + lo;
  }
  /** Unsigned little-endian integer of SIZE bytes (1, 2, 4 or 8) as bigint. */
  uSized(size: number): bigint {
    switch (size) {
      case 1:
        return BigInt(this.u8());
      case 2:
        return BigInt(this.u16());
      case 4:
        return BigInt(this.u32());
      case 8:
        return this.u64();
      default:
        throw new DebugInfoError(`unsupported integer size ${size}`);
    }
  }

  /** ULEB128 as a number; values beyond 2^53 lose precision (use ulebBig). */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
  }
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) return result;
    }
  }
  sleb(): number {
    let result = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = this.u8();
      result += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80);
    if (byte & 0x40) result -= scale;
    return result;
  }
  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return result;
  }

  /** NUL-terminated string (UTF-8); the cursor moves past the NUL. */
  cstring(): string {
    let want = 64;
    for (;;) {
      const avail = Math.min(want, this.end - this.pos);
      if (avail <= 0) throw new DebugInfoError(`unterminated string at offset ${this.pos}`);
      const rel = this.ensure(avail);
      const limit = Math.min(this.window.length, this.end - this.windowStart);
      const nul = this.window.indexOf(0, rel);
      if (nul >= 0 && nul < limit) {
        const text = this.window.toString('utf8', rel, nul);
        this.pos += nul - rel + 1;
        return text;
      }
      if (limit - rel >= this.end - this.pos) throw new DebugInfoError(`unterminated string at offset ${this.pos}`);
      want = Math.max(want * 4, (limit - rel) * 2);
    }
  }

  bytes(n: number): Buffer {
    const rel = this.ensure(n);
    this.pos += n;
    return this.window.subarray(rel, rel + n);
  }

  skip(n: number): void {
    this.pos += n;
  }
}

/** Read a NUL-terminated string at OFFSET of a string section. */
export function stringAt(source: ByteSource, offset: number): string {
  if (offset >= source.length) throw new DebugInfoError(`string offset ${offset} beyond string table (${source.length})`);
  return new Cursor(source, offset).cstring();
}
