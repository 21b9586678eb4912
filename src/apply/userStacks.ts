// User stacks, named in user space. A probe records only words of the
// task's user stack (kmod/guru_runtime.c guru_log_ustack: the user
// instruction pointer, the two words at the user stack pointer, then the
// return addresses of a frame-pointer walk); the supervisor decides which
// of them are frames and names each from the process's /proc/PID/maps and
// the mapped ELF file's symbols (.symtab, else .dynsym), as
// `func+0xoff (path)`.
//
// The maps are read when the event is decoded (the supervisor formats each
// event as it reads it), and kept per process: a process that has exited
// by then is named from the last maps read for it, and without one its
// frames print as `0xADDR (process gone)`.
//
// Which stack words are frames: a frame-pointer walk starts at %rbp, the
// frame of the function that has pushed it, so at a function's first
// instructions (a uprobe on its entry, before `push %rbp; mov %rsp,%rbp`)
// it would miss the caller; the return address is then the word at %rsp
// (before the push) or the one above it (after the push, before the mov).
// The supervisor reads the function's first bytes from its ELF file (not
// from memory: a uprobe's int3 is there) to know which. In a function
// without that prologue (a libc syscall wrapper, as at a syscall probe)
// the word at %rsp is taken if it is a return address: it follows a call
// instruction in the code it points into.
import fs from 'node:fs';
import { lastAtOrBelow } from '../debuginfo/lastAtOrBelow.js';
import { ElfFile, type ElfSegment } from '../debuginfo/elf.js';

const PT_LOAD = 1;

/** One line of /proc/PID/maps. */
export interface MapRegion {
  start: bigint;
  end: bigint;
  perms: string;
  /** File offset of START. */
  offset: bigint;
  /** The mapped file, or a pseudo name ([stack], [vdso]); '' for anonymous memory. */
  path: string;
}

export function parseMaps(text: string): MapRegion[] {
  const out: MapRegion[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3]!, offset: BigInt('0x' + m[4]), path: m[5]!.trim() });
  }
  return out;
}

export interface UserFrame {
  addr: bigint;
  /** The function and the address's offset into it, when a symbol covers it. */
  name?: string;
  offset?: bigint;
  size?: bigint;
  /** The file (or pseudo mapping) the address is in. */
  path?: string;
  /** The process had exited and no maps of it were read before. */
  gone?: boolean;
}

interface Func {
  value: bigint;
  size: bigint;
  name: string;
}

/** An ELF file's functions and code, for naming addresses in it. */
class MappedElf {
  readonly funcs: Func[];
  private readonly loads: ElfSegment[];

  constructor(private readonly elf: ElfFile) {
    this.loads = elf.segments.filter((s) => s.type === PT_LOAD);
    this.funcs = elf
      .symbols()
      .filter((s) => (s.type === 'func' || s.type === 'ifunc') && s.sectionIndex !== 0 && s.value !== 0n && s.name)
      .map((s) => ({ value: s.value, size: BigInt(s.size), name: s.name }))
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  /** The link-time address of file offset OFF (through the PT_LOAD segment holding it). */
  vaddrOf(off: bigint): bigint | undefined {
    const s = this.loads.find((l) => BigInt(l.offset) <= off && off < BigInt(l.offset) + BigInt(l.filesz));
    return s ? off - BigInt(s.offset) + s.vaddr : undefined;
  }

  /** The function covering link-time address V. */
  funcAt(v: bigint): Func | undefined {
    const i = lastAtOrBelow(this.funcs, v, (f) => f.value);
    if (i < 0) return undefined;
    const f = this.funcs[i]!;
    return f.size === 0n || v < f.value + f.size ? f : undefined;
  }

  /** LENGTH bytes of the file's code at link-time address V ('' where outside the file). */
  code(v: bigint, length: number): Buffer {
    const s = this.loads.find((l) => l.vaddr <= v && v < l.vaddr + BigInt(l.filesz));
    if (!s) return Buffer.alloc(0);
    const off = Number(v - s.vaddr) + s.offset;
    return this.elf.readAt(off, Math.min(length, s.offset + s.filesz - off));
  }
}

interface Snapshot {
  regions: MapRegion[];
  readAt: number;
}

/** Where an address is: its region, the file, and its link-time address there. */
interface Place {
  region: MapRegion;
  elf?: MappedElf;
  vaddr?: bigint;
}

/** A maps snapshot is read again after this long, or at once for an address outside it. */
const MAPS_FRESH_MS = 100;

export class UserStacks {
  private readonly maps = new Map<number, Snapshot>();
  private readonly elves = new Map<string, MappedElf | null>();

  constructor(
    /** /proc/PID/maps, or undefined once the process is gone. */
    private readonly readMaps: (pid: number) => string | undefined = readProcMaps,
    private readonly openElf: (path: string) => ElfFile = (p) => ElfFile.open(p),
    private readonly now: () => number = Date.now,
  ) {}

  /** The frames of a recorded user stack (kmod guru_log_ustack's words) of process PID, innermost first. */
  frames(pid: number, words: readonly bigint[]): UserFrame[] {
    if (words.length === 0) return [];
    const ip = words[0]!;
    const addrs = [ip];
    if (words.length >= 3) {
      const extra = this.returnAtEntry(pid, ip, words[1]!, words[2]!);
      if (extra !== undefined) addrs.push(extra);
      addrs.push(...words.slice(3));
    }
    return addrs.map((a, i) => this.frame(pid, a, i > 0));
  }

  /** The function a return address ADDR of process PID returns into (named by the byte before it: the call's), as a frame. */
  returnFrame(pid: number, addr: bigint): UserFrame {
    return this.frame(pid, addr, true);
  }

  /** The return address a frame-pointer walk misses at IP, if IP is before its function's frame is made (see the top of the file). */
  private returnAtEntry(pid: number, ip: bigint, sp0: bigint, sp1: bigint): bigint | undefined {
    const at = this.place(pid, ip);
    const f = at?.elf && at.vaddr !== undefined ? at.elf.funcAt(at.vaddr) : undefined;
    if (!at?.elf || !f || at.vaddr === undefined) return undefined;
    const bytes = at.elf.code(f.value, 8);
    const p = bytes.subarray(0, 4).equals(ENDBR64) ? 4 : 0;
    const framed = bytes[p] === 0x55 && bytes.subarray(p + 1, p + 4).equals(MOV_RSP_RBP);
    const off = at.vaddr - f.value;
    if (framed) {
      if (off <= BigInt(p)) return sp0 || undefined;
      if (off === BigInt(p + 1)) return sp1 || undefined;
      return undefined;
    }
    return sp0 && this.isReturnAddress(pid, sp0) ? sp0 : undefined;
  }

  /** Whether ADDR follows a call instruction in the code it is in. */
  private isReturnAddress(pid: number, addr: bigint): boolean {
    const at = this.place(pid, addr);
    if (!at?.elf || at.vaddr === undefined || !at.region.perms.includes('x') || at.vaddr < 7n) return false;
    const b = at.elf.code(at.vaddr - 7n, 7);
    if (b.length !== 7) return false;
    return (
      b[2] === 0xe8 || // call rel32
      (b[1] === 0xff && (b[2]! & 0x38) === 0x10 && (b[2]! & 0xc7) === 0x05) || // call *disp32(%rip)
      (b[5] === 0xff && (b[6]! & 0xf8) === 0xd0) || // call *%reg
      (b[4] === 0xff && (b[5]! & 0xf8) === 0x50) || // call *disp8(%reg)
      (b[1] === 0xff && (b[2]! & 0xf8) === 0x90) // call *disp32(%reg)
    );
  }

  private frame(pid: number, addr: bigint, isReturn: boolean): UserFrame {
    const snap = this.snapshot(pid, addr);
    if (!snap) return { addr, gone: true };
    // A return address names the call's function: the byte before it is the call's.
    const at = this.place(pid, isReturn && addr > 0n ? addr - 1n : addr);
    if (!at) return { addr };
    const path = at.region.path || undefined;
    const f = at.elf && at.vaddr !== undefined ? at.elf.funcAt(at.vaddr) : undefined;
    if (!f || at.vaddr === undefined) return { addr, path };
    const offset = at.vaddr + (isReturn ? 1n : 0n) - f.value;
    return { addr, name: f.name, offset, ...(f.size ? { size: f.size } : {}), path };
  }

  private place(pid: number, addr: bigint): Place | undefined {
    const snap = this.snapshot(pid, addr);
    const region = snap?.regions.find((r) => r.start <= addr && addr < r.end);
    if (!region) return undefined;
    const elf = region.path.startsWith('/') ? this.elf(region.path) : undefined;
    return { region, elf, vaddr: elf?.vaddrOf(addr - region.start + region.offset) };
  }

  /** The process's maps as read at most MAPS_FRESH_MS ago, read again for an address they do not hold; the last ones once it is gone. */
  private snapshot(pid: number, addr: bigint): Snapshot | undefined {
    const kept = this.maps.get(pid);
    const holds = kept?.regions.some((r) => r.start <= addr && addr < r.end);
    if (kept && holds && this.now() - kept.readAt < MAPS_FRESH_MS) return kept;
    if (kept && !holds && this.now() === kept.readAt) return kept;
    const text = this.readMaps(pid);
    const regions = text ? parseMaps(text) : [];
    // A process that has exited reads as no file, or (a zombie) as no mappings.
    if (!regions.length) return kept;
    const snap = { regions, readAt: this.now() };
    this.maps.set(pid, snap);
    return snap;
  }

  private elf(path: string): MappedElf | undefined {
    if (!this.elves.has(path)) {
      try {
        this.elves.set(path, new MappedElf(this.openElf(path)));
      } catch {
        this.elves.set(path, null);
      }
    }
    return this.elves.get(path) ?? undefined;
  }
}

const ENDBR64 = Buffer.from([0xf3, 0x0f, 0x1e, 0xfa]);
const MOV_RSP_RBP = Buffer.from([0x48, 0x89, 0xe5]);

function readProcMaps(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return undefined;
  }
}

const hex = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** One frame as guru names it: `func+0xoff (path)`; else `0xADDR (path)`, `0xADDR (process gone)` or `0xADDR`. */
export function userFrameText(f: UserFrame): string {
  if (f.name !== undefined) return `${f.name}+0x${hex(f.offset ?? 0n)}${f.path ? ` (${f.path})` : ''}`;
  if (f.gone) return `0x${hex(f.addr)} (process gone)`;
  return f.path ? `0x${hex(f.addr)} (${f.path})` : `0x${hex(f.addr)}`;
}

/** SystemTap's print_ubacktrace() frame: ` 0xADDR : func+0xoff/0xsize [path]`. */
function systemtapFrame(f: UserFrame): string {
  const where = f.gone ? ' [process gone]' : f.path ? ` [${f.path}]` : '';
  if (f.name === undefined) return ` 0x${hex(f.addr)}${where}`;
  return ` 0x${hex(f.addr)} : ${f.name}+0x${hex(f.offset ?? 0n)}${f.size !== undefined ? `/0x${hex(f.size)}` : ''}${where}`;
}

export type UserStackLayout = 'guru' | 'systemtap' | 'bpftrace' | 'raw' | 'hex';

/** A user stack as text in LAYOUT (see docs/spec.md, User stacks). */
export function showUserStack(frames: readonly UserFrame[], layout: UserStackLayout): string {
  switch (layout) {
    case 'hex':
      return frames.map((f) => `0x${hex(f.addr)}`).join(' ');
    case 'raw':
      return frames.length ? '\n' + frames.map((f) => `${hex(f.addr)}\n`).join('') : '';
    case 'bpftrace':
      return frames.length ? '\n' + frames.map((f) => `        ${userFrameText(f)}\n`).join('') : '';
    case 'systemtap':
      return frames.map((f) => `${systemtapFrame(f)}\n`).join('');
    case 'guru':
      return frames.map((f) => ` ${userFrameText(f)}\n`).join('');
  }
}
