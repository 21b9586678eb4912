// The trace events of a target kernel and the fields of their records,
// without booting it. A kernel describes its events in static tables that
// tracefs shows as events/CAT/EVENT/format once it runs:
//
//   _ftrace_events         an array of struct trace_event_call *, one per event
//   trace_event_call       .class, .name or .tp (TRACE_EVENT: its struct tracepoint, whose .name it is), .data
//   trace_event_class      .system (the category), .fields_array
//   trace_event_fields[]   { type, name, size, align, is_signed } per field, ended by a NULL type
//   syscall_metadata       for syscalls:sys_enter_*: the syscall's argument types and names (.data)
//                          (and which arguments' user memory newer kernels copy: syscallUserData.ts)
//
// So they are read here from the store's uncompressed image (its data
// sections), with System.map for the addresses and BTF for the layouts of
// those structs, and offsets laid out the way the kernel does at boot
// (trace_event_raw_init: after struct trace_entry, each field aligned). The
// event's struct trace_event_raw_CLASS in BTF, where there is one, gives the
// same offsets (a test checks every event) and the fields' BTF types. On the
// running kernel, tracefs itself is read instead.
import fs from 'node:fs';
import path from 'node:path';
import type { Btf } from '../../debuginfo/btf.js';
import { openElf, SHT_NOBITS, type ElfFile } from '../../debuginfo/elf.js';
import type { KernelFacts } from '../../kernelFacts/kernelFacts.js';
import { SYSCALL_USER_DATA_ARGS } from './syscallUserData.js';
import type { FieldLayout, TracepointCatalog, TracepointEvent, TracepointField } from './types.js';

/** Where tracefs is mounted on the running kernel. */
export const TRACEFS_EVENTS = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'];

/** trace_event_fields.type of an entry that calls define_fields instead (TRACE_FUNCTION_TYPE, (const char *)~0UL). */
const TRACE_FUNCTION_TYPE = 0xffff_ffff_ffff_ffffn;

export class CatalogError extends Error {}

/**
 * A kernel image's memory: its symbols by address and name, and bytes at
 * link-time addresses. Symbols of every type count: System.map's letters
 * follow section flags, and 7.x's event tables (event_class_*,
 * __tracepoint_*) are `t`/`T` where 6.x's were `d`/`D`.
 */
class ImageMemory {
  private readonly buffers = new Map<number, Buffer>();
  readonly byName = new Map<string, bigint>();
  private readonly byAddress = new Map<bigint, string[]>();

  constructor(
    private readonly elf: ElfFile,
    systemMap: string,
  ) {
    for (const line of fs.readFileSync(systemMap, 'utf8').split('\n')) {
      const [addr, type, name] = line.split(/\s+/);
      if (!name || !addr || !type || /^[aAUNwW]$/.test(type)) continue;
      const a = BigInt(`0x${addr}`);
      this.byName.set(name, a);
      const names = this.byAddress.get(a);
      if (names) names.push(name);
      else this.byAddress.set(a, [name]);
    }
  }

  /** The name of the symbol at ADDR that starts with PREFIX, if there is one. */
  symbolAt(addr: bigint, prefix: string): string | undefined {
    return this.byAddress.get(addr)?.find((n) => n.startsWith(prefix));
  }

  /** The section buffer holding ADDR, and ADDR's offset in it. */
  private at(addr: bigint): { buf: Buffer; off: number } {
    const s = this.elf.sections.find((x) => x.type !== SHT_NOBITS && x.addr !== 0n && addr >= x.addr && addr < x.addr + BigInt(x.size));
    if (!s) throw new CatalogError(`address 0x${addr.toString(16)} is in no section of ${this.elf.path}`);
    let buf = this.buffers.get(s.index);
    if (!buf) {
      buf = this.elf.readAt(s.offset, s.size);
      this.buffers.set(s.index, buf);
    }
    return { buf, off: Number(addr - s.addr) };
  }

  bytes(addr: bigint, length: number): Buffer {
    const { buf, off } = this.at(addr);
    if (off + length > buf.length) throw new CatalogError(`0x${addr.toString(16)}+${length} runs past its section in ${this.elf.path}`);
    return buf.subarray(off, off + length);
  }

  pointer(addr: bigint): bigint {
    return this.bytes(addr, 8).readBigUInt64LE(0);
  }

  s32(addr: bigint): number {
    return this.bytes(addr, 4).readInt32LE(0);
  }

  string(addr: bigint): string {
    const { buf, off } = this.at(addr);
    const end = buf.indexOf(0, off);
    return buf.toString('latin1', off, end < 0 ? Math.min(buf.length, off + 256) : Math.min(end, off + 256));
  }
}

/** Byte offset of MEMBER in STRUCT from BTF, or a CatalogError naming what is missing. */
function offsetOf(btf: Btf, struct: string, member: string): number {
  const m = btf.member(struct, member);
  if (!m) throw new CatalogError(`the kernel's BTF has no ${struct}.${member}`);
  return m.offset;
}

function sizeOfStruct(btf: Btf, struct: string): number {
  const t = btf.findStruct(struct);
  const size = t ? btf.sizeOf(t.id) : undefined;
  if (size === undefined) throw new CatalogError(`the kernel's BTF has no struct ${struct}`);
  return size;
}

/**
 * A field's type as tracefs prints it: an array bound that is a constant's
 * name in the kernel's tables (`char[TASK_COMM_LEN]`) becomes its size
 * (`char[16]`) for the char arrays that hold text.
 */
function formatType(type: string, size: number): string {
  return type.replace(/^((?:unsigned )?char)\[[A-Za-z_][A-Za-z0-9_]*\]$/, `$1[${size}]`);
}

/** How the format file and trace_define_field spell a field's type, split into type and layout. */
function layoutOf(type: string, name: string): { type: string; layout: FieldLayout } {
  if (type.startsWith('__data_loc ')) return { type, layout: 'dataLoc' };
  if (type.startsWith('__rel_loc ')) return { type, layout: 'relLoc' };
  if (/\[[^\]]*\]$/.test(type) || /\[[^\]]*\]$/.test(name)) return { type, layout: 'array' };
  return { type, layout: 'value' };
}

/** The BTF type of a field, from the event class's struct trace_event_raw_CLASS. */
function fieldTypeId(btf: Btf, cls: string, field: TracepointField): number | undefined {
  const raw = `trace_event_raw_${cls}`;
  const m = btf.member(raw, field.layout === 'dataLoc' || field.layout === 'relLoc' ? `__${field.layout === 'dataLoc' ? 'data' : 'rel'}_loc_${field.name}` : field.name);
  return m?.typeId;
}

/** Every event of the image, as tracefs would show it. */
export function catalogFromImage(image: string, systemMap: string, btf: Btf): TracepointCatalog {
  const elf = openElf(image);
  try {
    const mem = new ImageMemory(elf, systemMap);
    const start = mem.byName.get('__start_ftrace_events');
    const stop = mem.byName.get('__stop_ftrace_events');
    if (start === undefined || stop === undefined) throw new CatalogError(`${systemMap} has no __start_ftrace_events/__stop_ftrace_events`);
    const call = { class: offsetOf(btf, 'trace_event_call', 'class'), name: offsetOf(btf, 'trace_event_call', 'name'), data: offsetOf(btf, 'trace_event_call', 'data') };
    const cls = { system: offsetOf(btf, 'trace_event_class', 'system'), fields: offsetOf(btf, 'trace_event_class', 'fields_array') };
    const f = {
      size: sizeOfStruct(btf, 'trace_event_fields'),
      type: offsetOf(btf, 'trace_event_fields', 'type'),
      name: offsetOf(btf, 'trace_event_fields', 'name'),
      fsize: offsetOf(btf, 'trace_event_fields', 'size'),
      align: offsetOf(btf, 'trace_event_fields', 'align'),
      signed: offsetOf(btf, 'trace_event_fields', 'is_signed'),
      // Newer kernels keep an array's element count (`len`), and tracefs prints it as the bound.
      len: btf.member('trace_event_fields', 'len')?.offset,
    };
    const meta = { nbArgs: offsetOf(btf, 'syscall_metadata', 'nb_args'), types: offsetOf(btf, 'syscall_metadata', 'types'), args: offsetOf(btf, 'syscall_metadata', 'args') };
    // Kernels that copy syscall arguments' user memory into the record say so in this member (set at boot).
    const userData = btf.member('syscall_metadata', 'user_mask') !== undefined;
    const entrySize = sizeOfStruct(btf, 'trace_entry');
    const tpName = offsetOf(btf, 'tracepoint', 'name');

    const events: TracepointEvent[] = [];
    for (let p = start; p < stop; p += 8n) {
      const ev = mem.pointer(p);
      const classAddr = mem.pointer(ev + BigInt(call.class));
      const className = (mem.symbolAt(classAddr, 'event_class_') ?? '').replace(/^event_class_/, '');
      // TRACE_EVENT points .tp at its struct tracepoint; other events (syscalls) name themselves.
      const nameOrTp = mem.pointer(ev + BigInt(call.name));
      const event = mem.symbolAt(nameOrTp, '__tracepoint_') ? mem.string(mem.pointer(nameOrTp + BigInt(tpName))) : mem.string(nameOrTp);
      const category = mem.string(mem.pointer(classAddr + BigInt(cls.system)));
      const fieldsAddr = mem.pointer(classAddr + BigInt(cls.fields));
      const fields: TracepointField[] = [];
      let offset = entrySize;
      for (let e = fieldsAddr; fieldsAddr !== 0n; e += BigInt(f.size)) {
        const type = mem.pointer(e + BigInt(f.type));
        if (type === 0n) break;
        if (type === TRACE_FUNCTION_TYPE) {
          // syscall_enter_define_fields: each argument in an unsigned long slot, named and typed by the metadata.
          const m = mem.pointer(ev + BigInt(call.data));
          const n = mem.s32(m + BigInt(meta.nbArgs));
          const types = mem.pointer(m + BigInt(meta.types));
          const args = mem.pointer(m + BigInt(meta.args));
          offset = Math.ceil(offset / 8) * 8;
          const argNames: string[] = [];
          for (let i = 0; i < n; i++) {
            const argType = mem.string(mem.pointer(types + BigInt(8 * i)));
            argNames.push(mem.string(mem.pointer(args + BigInt(8 * i))));
            fields.push({ name: argNames[i]!, type: argType, offset, size: 8, signed: false, layout: 'value', argType });
            offset += 8;
          }
          // Then a __data_loc word per argument whose user memory the kernel copies, in argument order.
          const copied = userData ? (SYSCALL_USER_DATA_ARGS[event.replace(/^sys_enter_/, '')] ?? []) : [];
          for (const arg of argNames.filter((a) => event.startsWith('sys_enter_') && copied.includes(a))) {
            fields.push({ name: `__${arg}_val`, type: '__data_loc char[]', offset, size: 4, signed: false, layout: 'dataLoc' });
            offset += 4;
          }
          continue;
        }
        const name = mem.string(mem.pointer(e + BigInt(f.name)));
        const size = mem.s32(e + BigInt(f.fsize));
        const align = mem.s32(e + BigInt(f.align));
        offset = align > 1 ? Math.ceil(offset / align) * align : offset;
        const len = f.len === undefined ? 0 : mem.s32(e + BigInt(f.len));
        const declared = mem.string(type);
        const t = layoutOf(formatType(len > 0 ? declared.replace(/\[[^\]]*\]$/, `[${len}]`) : declared, size), name);
        const field: TracepointField = { name, type: t.type, offset, size, signed: mem.s32(e + BigInt(f.signed)) !== 0, layout: t.layout };
        const typeId = fieldTypeId(btf, className, field);
        if (typeId !== undefined) field.typeId = typeId;
        fields.push(field);
        offset += size;
      }
      const entry: TracepointEvent = { category, event, fields, fixedSize: fields.reduce((end, x) => Math.max(end, x.offset + x.size), entrySize) };
      if (btf.findStruct(`trace_event_raw_${className}`)) entry.btfStruct = `trace_event_raw_${className}`;
      events.push(entry);
    }
    return { events: sortEvents(events), source: `${image} (with ${systemMap})` };
  } finally {
    elf.close();
  }
}

/** One events/CAT/EVENT/format file's fields (the common_* ones left out). */
export function parseFormatFile(text: string, category: string, event: string): TracepointEvent {
  const fields: TracepointField[] = [];
  let fixedSize = 0;
  for (const m of text.matchAll(/^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/gm)) {
    const decl = m[1]!.trim();
    const offset = Number(m[2]);
    const size = Number(m[3]);
    fixedSize = Math.max(fixedSize, offset + size);
    // `char prev_comm[16]`, `__data_loc char[] name`, `unsigned long args[6]`: the name is the last word, an array bound after it.
    const d = /^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?$/.exec(decl);
    if (!d) continue;
    const name = d[2]!;
    if (name.startsWith('common_')) continue;
    const type = d[3] ? `${d[1]}${d[3]}` : d[1]!;
    fields.push({ name, type, offset, size, signed: m[4] === '1', layout: layoutOf(type, name).layout });
  }
  return { category, event, fields, fixedSize };
}

/** Every event tracefs shows (root, tracefs mounted), or undefined when it cannot be read. */
export function catalogFromTracefs(dirs: readonly string[] = TRACEFS_EVENTS): TracepointCatalog | undefined {
  for (const dir of dirs) {
    let categories: string[];
    try {
      categories = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    const events: TracepointEvent[] = [];
    for (const category of categories) {
      for (const e of fs.readdirSync(path.join(dir, category), { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        try {
          events.push(parseFormatFile(fs.readFileSync(path.join(dir, category, e.name, 'format'), 'utf8'), category, e.name));
        } catch {
          // An event without a readable format (ftrace's own) is not probe-able here.
        }
      }
    }
    if (events.length) return { events: sortEvents(events), source: dir };
  }
  return undefined;
}

function sortEvents(events: TracepointEvent[]): TracepointEvent[] {
  return events.sort((a, b) => (a.category === b.category ? (a.event < b.event ? -1 : 1) : a.category < b.category ? -1 : 1));
}

const cache = new WeakMap<object, TracepointCatalog | CatalogError>();

/** Give FACTS a catalog of events (tests, whose fake kernels have no image). */
export function provideTracepointCatalog(facts: object, catalog: TracepointCatalog): void {
  cache.set(facts, catalog);
}

/**
 * The target's events: from its image where the facts know one (the
 * kernel store), else from tracefs when the target is the running kernel.
 * Read once per facts; a CatalogError says why there are none.
 */
export function tracepointCatalog(facts: Pick<KernelFacts, 'release' | 'btf' | 'systemMapPath' | 'imagePath'>, running: boolean): TracepointCatalog {
  let found = cache.get(facts);
  if (!found) {
    found = readCatalog(facts, running);
    cache.set(facts, found);
  }
  if (found instanceof CatalogError) throw found;
  return found;
}

function readCatalog(facts: Pick<KernelFacts, 'release' | 'btf' | 'systemMapPath' | 'imagePath'>, running: boolean): TracepointCatalog | CatalogError {
  const btf = facts.btf?.();
  if (facts.imagePath && facts.systemMapPath && btf && facts.systemMapPath !== '/proc/kallsyms') {
    try {
      return catalogFromImage(facts.imagePath, facts.systemMapPath, btf);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      if (!running) return err;
    }
  }
  if (running) {
    const fromTracefs = catalogFromTracefs();
    if (fromTracefs) return fromTracefs;
  }
  return new CatalogError(
    `the trace events of ${facts.release} come from its image and System.map (guru's kernel store) or, on the running kernel, from tracefs (as root), and neither is available`,
  );
}
