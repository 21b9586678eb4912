// The functions of a user binary (executable or shared library) a uprobe
// can sit on, from its ELF symbols: `.symtab` where the file has one,
// `.dynsym` (what stripped files keep) otherwise and besides. The kernel
// places a uprobe at a file offset, so each function's address is mapped
// through the PT_LOAD segment holding it; that works alike for PIE and
// non-PIE executables and for libraries, whatever address they load at.
import fs from 'node:fs';
import { DebugInfoError } from '../../debuginfo/debugInfoError.js';
import { openElf, type ElfFile, type ElfSegment, type ElfSymbol } from '../../debuginfo/elf.js';
import { BUILD_ID_DEBUG_DIR, buildIdDebugPath } from './userDebuginfo.js';
import { readGoPclntab, type GoPclntab } from '../../debuginfo/goPclntab.js';

const EM_X86_64 = 62;
const PT_LOAD = 1;
const PF_X = 1;
/** .gnu.version: a symbol's version index; this bit marks a non-default version (`memcpy@GLIBC_2.2.5`). */
const VERSYM_HIDDEN = 0x8000;

export interface UserFunction {
  name: string;
  /** Its address as linked (st_value). */
  address: bigint;
  /** Where its first instruction is in the file: what the kernel probes. */
  fileOffset: number;
  size: number;
  /** The table it came from: the binary's, the .symtab of its debug file by build-id (a stripped binary's), or a Go binary's function table, .gopclntab, when it has no .symtab (go build -ldflags "-s -w"). */
  table: 'symtab' | 'dynsym' | 'debug' | 'pclntab';
}

export interface UserBinary {
  path: string;
  /** ET_DYN: a PIE executable or a shared library (loaded at an address of the kernel's choosing). */
  pie: boolean;
  buildId?: string;
  /** Function names, each with the places it names (more than one: local functions of one name in several files). */
  functions: Map<string, UserFunction[]>;
  /**
   * Whether FUNCTIONS come from a full symbol table (.symtab: static
   * functions too), the binary's own or its debug file's; false for a
   * stripped binary without one, whose .dynsym names exported functions only.
   */
  fullSymbols: boolean;
  /** IFUNC symbols (resolvers, not functions to probe), by name. */
  ifuncs: Set<string>;
  /** LENGTH bytes of the file at OFFSET (fewer at its end). */
  bytesAt(offset: number, length: number): Buffer;
  /** Where the code at ADDRESS (as linked) is in the file, if in an executable segment: what the kernel probes. */
  fileOffset(address: bigint): number | undefined;
  /**
   * Built by Go's toolchain: its return probes are uprobes on ret
   * instructions, never uretprobes (goProbeSites.ts). Told by the sections
   * Go's linker always writes (.go.buildinfo, .gopclntab), which stripping
   * keeps, or by the symbol runtime.buildVersion.
   */
  go: boolean;
  /**
   * A Go binary's function table (.gopclntab): the entries of its Go
   * functions (the C functions cgo links in are not there), and whether
   * its Go uses the register ABI; undefined where it cannot be read.
   */
  goTable?: { entries: ReadonlySet<bigint>; registerAbi: boolean | undefined };
}

/**
 * Whether FN of BINARY is a Go function, called and returning by Go's
 * conventions: in a Go binary, one in its function table (.gopclntab);
 * a C function cgo compiled in (gcc's code, System V's convention, tail
 * calls and all) is not. Every function of a Go binary whose table guru
 * cannot read counts as Go.
 */
export function isGoFunction(binary: UserBinary, fn: UserFunction): boolean {
  if (!binary.go) return false;
  return binary.goTable ? binary.goTable.entries.has(fn.address) : true;
}

/** Sections only Go's linker writes. */
const GO_SECTIONS = new Set(['.go.buildinfo', '.gopclntab']);

/** The file offset of ADDRESS: inside an executable PT_LOAD segment's file bytes, or undefined. */
function fileOffsetOf(elf: ElfFile, address: bigint): number | undefined {
  return fileOffsetIn(elf.segments, address);
}

function fileOffsetIn(segments: readonly ElfSegment[], address: bigint): number | undefined {
  for (const seg of segments) {
    if (seg.type !== PT_LOAD || (seg.flags & PF_X) === 0) continue;
    if (address >= seg.vaddr && address < seg.vaddr + BigInt(seg.filesz)) return Number(address - seg.vaddr) + seg.offset;
  }
  return undefined;
}

/** `.dynsym` entries that are a non-default version of their name, by table index (from 0, as symbolTable gives them). */
function hiddenVersions(elf: ElfFile, count: number): Set<number> {
  const versym = elf.readSection('.gnu.version');
  const out = new Set<number>();
  if (!versym) return out;
  for (let i = 0; i < count && (i + 2) * 2 <= versym.length; i++) {
    if (versym.readUInt16LE((i + 1) * 2) & VERSYM_HIDDEN) out.add(i);
  }
  return out;
}

function isDefined(s: ElfSymbol): boolean {
  return s.section !== undefined && s.value !== 0n;
}

/** The .symtab of BINARY's debug file by build-id (DEBUG_ROOT), if it has one: what a stripped binary's static functions are named by. */
function debugFileSymbols(buildId: string | undefined, debugRoot: string): readonly ElfSymbol[] {
  if (!buildId) return [];
  const file = buildIdDebugPath(buildId, debugRoot);
  if (!fs.existsSync(file)) return [];
  try {
    const debug = openElf(file);
    try {
      return debug.symbolTable('symtab');
    } finally {
      debug.close();
    }
  } catch (err) {
    if (err instanceof DebugInfoError) return [];
    throw err;
  }
}

/**
 * Read the functions of the ELF file at PATH (already found:
 * findUserBinary); a stripped one's from its debug file by build-id too
 * (under DEBUG_ROOT), whose symbols have the binary's addresses.
 */
export function readUserBinary(path: string, debugRoot = BUILD_ID_DEBUG_DIR): UserBinary {
  const elf = openElf(path);
  try {
    if (elf.type !== 'exec' && elf.type !== 'dyn') throw new DebugInfoError(`${path} is an ELF ${elf.type} file, not an executable or shared library`);
    if (elf.machine !== EM_X86_64) throw new DebugInfoError(`${path} is not an x86-64 binary (ELF machine ${elf.machine})`);
    const functions = new Map<string, UserFunction[]>();
    const ifuncs = new Set<string>();
    const add = (s: ElfSymbol, table: UserFunction['table']) => {
      // .symtab writes non-default versions as NAME@VERSION and the default as NAME@@VERSION.
      const at = s.name.indexOf('@');
      if (at >= 0 && s.name[at + 1] !== '@') return;
      const name = at >= 0 ? s.name.slice(0, at) : s.name;
      if (!name || !isDefined(s)) return;
      if (s.type === 'ifunc') {
        ifuncs.add(name);
        return;
      }
      if (s.type !== 'func') return;
      const fileOffset = fileOffsetOf(elf, s.value);
      if (fileOffset === undefined) return;
      const list = functions.get(name) ?? [];
      if (!list.some((f) => f.address === s.value)) list.push({ name, address: s.value, fileOffset, size: s.size, table });
      functions.set(name, list);
    };
    const symtab = elf.symbolTable('symtab');
    for (const s of symtab) add(s, 'symtab');
    const buildId = elf.buildId();
    // Mapped through the binary's own segments: the debug file's have no file bytes.
    const fromDebug = symtab.length ? [] : debugFileSymbols(buildId, debugRoot);
    for (const s of fromDebug) add(s, 'debug');
    const dynsym = elf.symbolTable('dynsym');
    const hidden = hiddenVersions(elf, dynsym.length);
    dynsym.forEach((s, i) => {
      if (!hidden.has(i)) add(s, 'dynsym');
    });
    const segments = elf.segments;
    const go = elf.sections.some((sec) => GO_SECTIONS.has(sec.name)) || elf.symbolTable('symtab').some((sym) => sym.name === 'runtime.buildVersion');
    const table = go ? goFunctionTable(elf) : undefined;
    // Stripped of .symtab (-ldflags "-s -w"): the Go functions by the names their table gives them.
    if (table && ![...functions.values()].some((fs) => fs.some((f) => f.table === 'symtab'))) {
      for (const f of table.funcs) {
        const fileOffset = fileOffsetOf(elf, f.entry);
        if (fileOffset === undefined) continue;
        const list = functions.get(f.name) ?? [];
        if (!list.some((x) => x.address === f.entry)) list.push({ name: f.name, address: f.entry, fileOffset, size: f.size, table: 'pclntab' });
        functions.set(f.name, list);
      }
    }
    return {
      path,
      pie: elf.type === 'dyn',
      buildId,
      functions,
      fullSymbols: symtab.length > 0 || fromDebug.length > 0,
      ifuncs,
      bytesAt: (offset, length) => readBytes(path, offset, length),
      fileOffset: (address) => fileOffsetIn(segments, address),
      go,
      ...(table && { goTable: { entries: new Set(table.funcs.map((f) => f.entry)), registerAbi: table.registerAbi } }),
    };
  } finally {
    elf.close();
  }
}

/** The function table of a Go binary's .gopclntab, or undefined when it has none guru can read (before Go 1.16). */
function goFunctionTable(elf: ElfFile): GoPclntab | undefined {
  const data = elf.readSection('.gopclntab');
  if (!data) return undefined;
  try {
    return readGoPclntab(data);
  } catch (err) {
    if (err instanceof DebugInfoError) return undefined;
    throw err;
  }
}

function readBytes(path: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, fs.readSync(fd, buf, 0, length, offset));
  } finally {
    fs.closeSync(fd);
  }
}
