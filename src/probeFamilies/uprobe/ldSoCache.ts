// The dynamic loader's cache, /etc/ld.so.cache (ldconfig writes it): which
// file a bare library name (`libc.so.6`) means, as ld.so finds it. The
// format is glibc's "glibc-ld.so.cache1.1" (elf/cache.c, sysdeps/generic/
// dl-cache.h): a 48-byte header, then one 24-byte entry per library
// (flags, offsets of the name and of the path, OS version, hwcaps), the
// strings addressed from the start of the file.
import fs from 'node:fs';

const MAGIC = 'glibc-ld.so.cache1.1';
const HEADER_SIZE = 48;
const ENTRY_SIZE = 24;
/** An ELF library for glibc (FLAG_ELF_LIBC6), and of x86-64 (FLAG_X8664_LIB64). */
const FLAG_TYPE_MASK = 0x00ff;
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_REQUIRED_MASK = 0xff00;
const FLAG_X8664_LIB64 = 0x0300;

export const LD_SO_CACHE = '/etc/ld.so.cache';

/** The x86-64 libraries the cache lists, by name (`libc.so.6` → its path), in the cache's order: the first is ld.so's. */
export function readLdSoCache(file = LD_SO_CACHE): Map<string, string> {
  const out = new Map<string, string>();
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return out;
  }
  if (data.length < HEADER_SIZE || data.toString('latin1', 0, MAGIC.length) !== MAGIC) return out;
  const count = data.readUInt32LE(20);
  const cstring = (at: number) => {
    const end = data.indexOf(0, at);
    return at < data.length ? data.toString('utf8', at, end < 0 ? data.length : end) : '';
  };
  for (let i = 0; i < count; i++) {
    const b = HEADER_SIZE + i * ENTRY_SIZE;
    if (b + ENTRY_SIZE > data.length) break;
    const flags = data.readInt32LE(b);
    if ((flags & FLAG_TYPE_MASK) !== FLAG_ELF_LIBC6 || (flags & FLAG_REQUIRED_MASK) !== FLAG_X8664_LIB64) continue;
    const name = cstring(data.readUInt32LE(b + 4));
    if (name && !out.has(name)) out.set(name, cstring(data.readUInt32LE(b + 8)));
  }
  return out;
}
