// ELF64 little-endian reader (x86_64 vmlinux, executables, .o and .ko).
// Opening reads only the ELF header and the section/program header tables;
// section contents are read on demand by offset, because a vmlinux with
// DWARF is over 600 MB and a query needs a tiny part of it.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DebugInfoError } from './debugInfoError.js';
import { BufferSource, FileRegion, readExactly, type ByteSource } from './fileRegion.js';
import { buildIdFromNotes, parseNotes, type ElfNote } from './elfNotes.js';

export type ElfType = 'none' | 'rel' | 'exec' | 'dyn' | 'core' | 'other';

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_NOTE = 7;
export const SHT_DYNSYM = 11;
export const SHF_ALLOC = 0x2n;
export const SHF_COMPRESSED = 0x800n;
const PT_NOTE = 4;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_ABS = 0xfff1;
const SHN_COMMON = 0xfff2;
const SHN_XINDEX = 0xffff;
const ELFCOMPRESS_ZLIB = 1;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  /** Virtual address when loaded (0 for non-alloc sections and in .o files). */
  addr: bigint;
  /** File offset of the contents. */
  offset: number;
  /** Size in the file (0 bytes are stored for SHT_NOBITS). */
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: number;
}

/** `ifunc` is STT_GNU_IFUNC: the symbol is a resolver that picks the implementation when the file is loaded. */
export type ElfSymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'ifunc' | 'other';
export type ElfSymbolBind = 'local' | 'global' | 'weak' | 'other';

export interface ElfSymbol {
  name: string;
  /** st_value: an address in linked files, a section offset in ET_REL. */
  value: bigint;
  size: number;
  type: ElfSymbolType;
  bind: ElfSymbolBind;
  /** st_shndx; 0 = undefined, 0xfff1 = absolute, 0xfff2 = common. */
  sectionIndex: number;
  /** Name of the defining section, or undefined for undefined/absolute/common. */
  section: string | undefined;
}

const SYMBOL_TYPES: readonly ElfSymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const SYMBOL_BINDS: readonly ElfSymbolBind[] = ['local', 'global', 'weak'];
const STT_GNU_IFUNC = 10;

/** LENGTH bytes at POSITION of a file or a buffer (fewer at its end). */
function readBytes(source: number | Buffer, position: number, length: number): Buffer {
  if (typeof source === 'number') return readExactly(source, position, length);
  return source.subarray(Math.min(position, source.length), Math.min(position + length, source.length));
}

export class ElfFile {
  readonly sections: readonly ElfSection[];
  readonly segments: readonly ElfSegment[];
  private readonly byName = new Map<string, ElfSection>();
  private symbolCache: ElfSymbol[] | undefined;
  private buildIdCache: string | null | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    /** The open file, or the file's bytes (ElfFile.fromBuffer). */
    private readonly fd: number | Buffer,
    readonly fileSize: number,
    readonly type: ElfType,
    readonly machine: number,
    readonly entry: bigint,
    sections: ElfSection[],
    segments: ElfSegment[],
  ) {
    this.sections = sections;
    this.segments = segments;
    for (const s of sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  /** Open PATH and read its headers; throws DebugInfoError if it is not ELF64 LE. */
  static open(path: string): ElfFile {
    const fd = fs.openSync(path, 'r');
    try {
      return ElfFile.fromFd(path, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /**
   * An ELF file already in memory (a decompressed .ko.xz): nothing is
   * opened, close() only marks it closed.
   */
  static fromBuffer(path: string, bytes: Buffer): ElfFile {
    return ElfFile.fromFd(path, bytes);
  }

  private static fromFd(path: string, source: number | Buffer): ElfFile {
    const fileSize = typeof source === 'number' ? fs.fstatSync(source).size : source.length;
    const read = (position: number, length: number): Buffer => readBytes(source, position, length);
    const header = read(0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) {
      throw new DebugInfoError(`${path}: not an ELF file`);
    }
    if (header[4] !== 2) throw new DebugInfoError(`${path}: only 64-bit ELF is supported`);
    if (header[5] !== 1) throw new DebugInfoError(`${path}: only little-endian ELF is supported`);
    const eType = header.readUInt16LE(16);
    const machine = header.readUInt16LE(18);
    const entry = header.readBigUInt64LE(24);
    const phoff = Number(header.readBigUInt64LE(32));
    const shoff = Number(header.readBigUInt64LE(40));
    const phentsize = header.readUInt16LE(54);
    let phnum = header.readUInt16LE(56);
    const shentsize = header.readUInt16LE(58);
    let shnum = header.readUInt16LE(60);
    let shstrndx = header.readUInt16LE(62);

    const rawSections: Omit<ElfSection, 'name'>[] = [];
    const nameOffsets: number[] = [];
    if (shoff !== 0) {
      // Extended numbering: counts that do not fit 16 bits live in section 0.
      const first = read(shoff, shentsize);
      if (shnum === 0) shnum = Number(first.readBigUInt64LE(32));
      if (shstrndx === SHN_XINDEX) shstrndx = first.readUInt32LE(40);
      if (phnum === 0xffff) phnum = first.readUInt32LE(44);
      const table = read(shoff, shnum * shentsize);
      if (table.length < shnum * shentsize) throw new DebugInfoError(`${path}: truncated section header table`);
      for (let i = 0; i < shnum; i++) {
        const b = i * shentsize;
        nameOffsets.push(table.readUInt32LE(b));
        rawSections.push({
          index: i,
          type: table.readUInt32LE(b + 4),
          flags: table.readBigUInt64LE(b + 8),
          addr: table.readBigUInt64LE(b + 16),
          offset: Number(table.readBigUInt64LE(b + 24)),
          size: Number(table.readBigUInt64LE(b + 32)),
          link: table.readUInt32LE(b + 40),
          info: table.readUInt32LE(b + 44),
          addralign: Number(table.readBigUInt64LE(b + 48)),
          entsize: Number(table.readBigUInt64LE(b + 56)),
        });
      }
    }
    let names: Buffer = Buffer.alloc(0);
    const strtab = rawSections[shstrndx];
    if (strtab && shstrndx !== SHN_UNDEF) names = read(strtab.offset, strtab.size);
    const sections: ElfSection[] = rawSections.map((s, i) => {
      const start = nameOffsets[i]!;
      const end = names.indexOf(0, start);
      return { ...s, name: start < names.length ? names.toString('latin1', start, end < 0 ? names.length : end) : '' };
    });

    const segments: ElfSegment[] = [];
    if (phoff !== 0 && phnum > 0) {
      const table = read(phoff, phnum * phentsize);
      for (let i = 0; i * phentsize + 56 <= table.length; i++) {
        const b = i * phentsize;
        segments.push({
          type: table.readUInt32LE(b),
          flags: table.readUInt32LE(b + 4),
          offset: Number(table.readBigUInt64LE(b + 8)),
          vaddr: table.readBigUInt64LE(b + 16),
          filesz: Number(table.readBigUInt64LE(b + 32)),
          memsz: Number(table.readBigUInt64LE(b + 40)),
        });
      }
    }
    const type: ElfType = (['none', 'rel', 'exec', 'dyn', 'core'] as const)[eType] ?? 'other';
    return new ElfFile(path, source, fileSize, type, machine, entry, sections, segments);
  }

  /** The first section called NAME. */
  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /** Read LENGTH bytes at file OFFSET. */
  readAt(offset: number, length: number): Buffer {
    this.assertOpen();
    return readBytes(this.fd, offset, length);
  }

  /**
   * The whole contents of a section (decompressed if SHF_COMPRESSED), or
   * undefined if there is no such section. SHT_NOBITS sections read as empty.
   * For large sections prefer sectionSource, which reads lazily.
   */
  readSection(nameOrSection: string | ElfSection): Buffer | undefined {
    const s = typeof nameOrSection === 'string' ? this.section(nameOrSection) : nameOrSection;
    if (!s) return undefined;
    if (s.type === SHT_NOBITS) return Buffer.alloc(0);
    const raw = this.readAt(s.offset, s.size);
    return (s.flags & SHF_COMPRESSED) !== 0n ? this.decompress(s, raw) : raw;
  }

  /**
   * Lazy random access to a section's bytes; compressed sections are
   * decompressed into memory once (there is no way to seek inside zlib).
   */
  sectionSource(nameOrSection: string | ElfSection): ByteSource | undefined {
    const s = typeof nameOrSection === 'string' ? this.section(nameOrSection) : nameOrSection;
    if (!s) return undefined;
    if (s.type === SHT_NOBITS) return new BufferSource(Buffer.alloc(0));
    if ((s.flags & SHF_COMPRESSED) !== 0n) return new BufferSource(this.readSection(s)!);
    this.assertOpen();
    if (typeof this.fd !== 'number') return new BufferSource(readBytes(this.fd, s.offset, s.size));
    return new FileRegion(this.fd, s.offset, s.size);
  }

  private decompress(s: ElfSection, raw: Buffer): Buffer {
    const chType = raw.readUInt32LE(0);
    if (chType !== ELFCOMPRESS_ZLIB) {
      throw new DebugInfoError(`${this.path}: section ${s.name} uses compression type ${chType}; only zlib is supported`);
    }
    return zlib.inflateSync(raw.subarray(24));
  }

  /** Symbols of .symtab, or of .dynsym when the file is stripped. Cached. */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const table = this.sections.find((s) => s.type === SHT_SYMTAB) ?? this.sections.find((s) => s.type === SHT_DYNSYM);
    this.symbolCache = table ? this.readSymbolTable(table) : [];
    return this.symbolCache;
  }

  /**
   * The symbols of one table: `symtab` (all, absent in stripped files) or
   * `dynsym` (what the dynamic linker sees), in table order without the
   * null symbol at index 0, so entry i is the table's symbol i + 1.
   */
  symbolTable(which: 'symtab' | 'dynsym'): readonly ElfSymbol[] {
    const table = this.sections.find((s) => s.type === (which === 'symtab' ? SHT_SYMTAB : SHT_DYNSYM));
    return table ? this.readSymbolTable(table) : [];
  }

  private readSymbolTable(table: ElfSection): ElfSymbol[] {
    const data = this.readSection(table)!;
    const strings = this.readSection(this.sections[table.link]!) ?? Buffer.alloc(0);
    const entsize = table.entsize || 24;
    const out: ElfSymbol[] = [];
    // Index 0 is the reserved null symbol.
    for (let b = entsize; b + 24 <= data.length; b += entsize) {
      const nameOff = data.readUInt32LE(b);
      const info = data[b + 4]!;
      const shndx = data.readUInt16LE(b + 6);
      const end = strings.indexOf(0, nameOff);
      const isReserved = shndx === SHN_UNDEF || shndx >= SHN_LORESERVE;
      out.push({
        name: strings.toString('latin1', nameOff, end < 0 ? strings.length : end),
        value: data.readBigUInt64LE(b + 8),
        size: Number(data.readBigUInt64LE(b + 16)),
        type: (info & 0xf) === STT_GNU_IFUNC ? 'ifunc' : SYMBOL_TYPES[info & 0xf] ?? 'other',
        bind: SYMBOL_BINDS[info >> 4] ?? 'other',
        sectionIndex: shndx,
        section: isReserved ? undefined : this.sections[shndx]?.name,
      });
    }
    return out;
  }

  /** All notes from SHT_NOTE sections, or from PT_NOTE segments if there are none. */
  notes(): ElfNote[] {
    const noteSections = this.sections.filter((s) => s.type === SHT_NOTE);
    if (noteSections.length > 0) return noteSections.flatMap((s) => parseNotes(this.readSection(s)!));
    return this.segments.filter((p) => p.type === PT_NOTE).flatMap((p) => parseNotes(this.readAt(p.offset, p.filesz)));
  }

  /** GNU build-id as lowercase hex (from .note.gnu.build-id, .notes or PT_NOTE). */
  buildId(): string | undefined {
    if (this.buildIdCache === undefined) {
      const direct = this.section('.note.gnu.build-id');
      const fromSection = direct ? buildIdFromNotes(parseNotes(this.readSection(direct)!)) : undefined;
      this.buildIdCache = fromSection ?? buildIdFromNotes(this.notes()) ?? null;
    }
    return this.buildIdCache ?? undefined;
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      if (typeof this.fd === 'number') fs.closeSync(this.fd);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DebugInfoError(`${this.path}: ELF file already closed`);
  }
}

export function openElf(path: string): ElfFile {
  return ElfFile.open(path);
}

export { SHN_ABS, SHN_COMMON, SHN_UNDEF };
