// BTF reader and queries: function prototypes, struct members, tracepoint
// arguments (btf_trace_<event>), each type also rendered as C text.
import fs from 'node:fs';
import { DebugInfoError } from './debugInfoError.js';
import { ElfFile } from './elf.js';
import { parseRawBtf, type RawBtf } from './btfParse.js';
import { renderCType } from './btfCType.js';
import type { BtfType } from './btfTypes.js';

export type { BtfType, BtfMember, BtfParam } from './btfTypes.js';

/** A type as the rest of guru needs it: the id, C text and size in bytes. */
export interface BtfTypeRef {
  typeId: number;
  /** e.g. `const char *`, `struct file *`, `size_t`. */
  cType: string;
  /** Size in bytes, undefined for void, functions and incomplete types. */
  size: number | undefined;
}

export interface BtfNamedValue extends BtfTypeRef {
  name: string;
}

export interface BtfPrototype {
  name: string;
  returnType: BtfTypeRef;
  params: BtfNamedValue[];
  variadic: boolean;
  /** FUNC linkage; 'global' for tracepoint prototypes. */
  linkage: 'static' | 'global' | 'extern';
  /** The whole declaration, e.g. `ssize_t ksys_write(unsigned int fd, const char *buf, size_t count)`. */
  declaration: string;
}

export interface BtfMemberInfo extends BtfTypeRef {
  name: string;
  /** Byte offset of the member (of the storage unit's start for bitfields: bitOffset >> 3). */
  offset: number;
  /** Offset in bits from the start of the outer struct. */
  bitOffset: number;
  /** Bitfield width; 0 for ordinary members. */
  bitSize: number;
}

const BTF_MAGIC_LE = Buffer.from([0x9f, 0xeb]);

export class Btf {
  private nameIndex: Map<string, number[]> | undefined;

  private constructor(
    private readonly raw: RawBtf,
    private readonly base: Btf | undefined,
  ) {}

  /** Parse raw BTF; BASE for split BTF (module BTF over vmlinux BTF). */
  static fromBuffer(data: Buffer, base?: Btf): Btf {
    const raw = parseRawBtf(
      data,
      base && { typeCount: base.typeCount, stringLength: base.stringLength, stringAt: (o) => base.stringAt(o) },
    );
    return new Btf(raw, base);
  }

  /**
   * Read BTF from PATH: raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with
   * a .BTF section (vmlinux, .ko, or an object converted by `pahole -J`).
   */
  static fromFile(path: string, base?: Btf): Btf {
    const fd = fs.openSync(path, 'r');
    const magic = Buffer.alloc(4);
    try {
      fs.readSync(fd, magic, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (magic.subarray(0, 2).equals(BTF_MAGIC_LE)) return Btf.fromBuffer(fs.readFileSync(path), base);
    const elf = ElfFile.open(path);
    try {
      const data = elf.readSection('.BTF');
      if (!data) throw new DebugInfoError(`${path} has no .BTF section`);
      return Btf.fromBuffer(data, base);
    } finally {
      elf.close();
    }
  }

  /** Highest type id (types are 1..typeCount; 0 is void). */
  get typeCount(): number {
    return this.raw.firstId - 1 + this.raw.types.length;
  }

  private get stringLength(): number {
    return this.raw.firstStringOffset + this.raw.strings.length;
  }

  private stringAt(offset: number): string {
    if (offset < this.raw.firstStringOffset) return this.base!.stringAt(offset);
    const start = offset - this.raw.firstStringOffset;
    const end = this.raw.strings.indexOf(0, start);
    return this.raw.strings.toString('utf8', start, end < 0 ? this.raw.strings.length : end);
  }

  type(id: number): BtfType | undefined {
    if (id < this.raw.firstId) return this.base?.type(id);
    return this.raw.types[id - this.raw.firstId];
  }

  /** All types named NAME (own types first, then the base's). */
  typesNamed(name: string): BtfType[] {
    if (!this.nameIndex) {
      this.nameIndex = new Map();
      for (const t of this.raw.types) {
        if (t.name === '') continue;
        const list = this.nameIndex.get(t.name);
        if (list) list.push(t.id);
        else this.nameIndex.set(t.name, [t.id]);
      }
    }
    const own = (this.nameIndex.get(name) ?? []).map((id) => this.type(id)!);
    return this.base ? [...own, ...this.base.typesNamed(name)] : own;
  }

  /** C text of type ID, optionally declaring NAME. */
  cType(id: number, name = ''): string {
    return renderCType((i) => this.type(i), id, name);
  }

  /** Strip typedefs, qualifiers and type tags. */
  resolve(id: number): BtfType | undefined {
    let t = this.type(id);
    for (let guard = 0; t && guard < 64; guard++) {
      if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') {
        t = this.type(t.type);
      } else {
        return t;
      }
    }
    return t;
  }

  /** Size in bytes of type ID; undefined for void, functions and forward declarations. */
  sizeOf(id: number): number | undefined {
    const t = this.resolve(id);
    if (!t) return undefined;
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'datasec':
        return t.size;
      case 'ptr':
        return 8;
      case 'array': {
        const elem = this.sizeOf(t.type);
        return elem === undefined ? undefined : elem * t.nelems;
      }
      case 'var':
        return this.sizeOf(t.type);
      default:
        return undefined;
    }
  }

  typeRef(id: number): BtfTypeRef {
    return { typeId: id, cType: this.cType(id), size: this.sizeOf(id) };
  }

  private enumIndex: Map<string, bigint> | undefined;

  /** The value of enumerator NAME of any enum (the first one, should two enums share a name). */
  enumValue(name: string): bigint | undefined {
    if (!this.enumIndex) {
      this.enumIndex = new Map();
      for (let id = 1; id <= this.typeCount; id++) {
        const t = this.type(id);
        if (t?.kind !== 'enum') continue;
        for (const e of t.values) if (!this.enumIndex.has(e.name)) this.enumIndex.set(e.name, e.value);
      }
    }
    return this.enumIndex.get(name) ?? this.base?.enumValue(name);
  }

  /** Prototype of function NAME (a BTF FUNC). */
  findFunction(name: string): BtfPrototype | undefined {
    const func = this.typesNamed(name).find((t) => t.kind === 'func');
    if (!func || func.kind !== 'func') return undefined;
    return this.prototype(name, func.type, func.linkage, 0);
  }

  /**
   * Arguments of tracepoint EVENT, from the `btf_trace_<event>` typedef
   * (a pointer to a prototype whose first parameter is the probe's `void *__data`).
   */
  tracepoint(event: string): BtfPrototype | undefined {
    const typedef = this.typesNamed(`btf_trace_${event}`).find((t) => t.kind === 'typedef');
    if (!typedef || typedef.kind !== 'typedef') return undefined;
    const ptr = this.resolve(typedef.type);
    if (!ptr || ptr.kind !== 'ptr') return undefined;
    return this.prototype(event, ptr.type, 'global', 1);
  }

  private prototype(name: string, protoId: number, linkage: BtfPrototype['linkage'], skipParams: number): BtfPrototype | undefined {
    const proto = this.type(protoId);
    if (!proto || proto.kind !== 'func_proto') return undefined;
    const all = proto.params.slice(skipParams);
    const variadic = all.length > 0 && all[all.length - 1]!.type === 0 && all[all.length - 1]!.name === '';
    const fixed = variadic ? all.slice(0, -1) : all;
    const params = fixed.map((p) => ({ name: p.name, ...this.typeRef(p.type) }));
    const paramText = params.map((p) => this.cType(p.typeId, p.name));
    if (variadic) paramText.push('...');
    const declaration = this.cType(proto.returnType, `${name}(${paramText.length ? paramText.join(', ') : 'void'})`);
    return { name, returnType: this.typeRef(proto.returnType), params, variadic, linkage, declaration };
  }

  /** A complete struct or union named NAME (forward declarations are skipped). */
  findStruct(name: string, kind: 'struct' | 'union' = 'struct'): BtfType | undefined {
    return this.typesNamed(name).find((t) => t.kind === kind);
  }

  /**
   * Member MEMBER of the struct/union given by name or id (typedefs and
   * qualifiers are looked through). Members of anonymous struct/union members
   * are found too, as C allows, with offsets relative to the outer struct.
   */
  member(structNameOrId: string | number, member: string): BtfMemberInfo | undefined {
    const outer = typeof structNameOrId === 'number' ? this.resolve(structNameOrId) : this.findStruct(structNameOrId) ?? this.findStruct(structNameOrId, 'union');
    if (!outer || (outer.kind !== 'struct' && outer.kind !== 'union')) return undefined;
    return this.findMember(outer.id, member, 0, 0);
  }

  private findMember(id: number, member: string, baseBits: number, depth: number): BtfMemberInfo | undefined {
    const t = this.resolve(id);
    if (!t || (t.kind !== 'struct' && t.kind !== 'union') || depth > 32) return undefined;
    for (const m of t.members) {
      if (m.name === member) {
        const bitOffset = baseBits + m.bitOffset;
        return { name: m.name, offset: bitOffset >> 3, bitOffset, bitSize: m.bitSize, ...this.typeRef(m.type) };
      }
    }
    for (const m of t.members) {
      if (m.name !== '') continue;
      const found = this.findMember(m.type, member, baseBits + m.bitOffset, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** Members of a struct/union as BtfMemberInfo (anonymous members included as they are). */
  members(structNameOrId: string | number): BtfMemberInfo[] | undefined {
    const t = typeof structNameOrId === 'number' ? this.resolve(structNameOrId) : this.findStruct(structNameOrId) ?? this.findStruct(structNameOrId, 'union');
    if (!t || (t.kind !== 'struct' && t.kind !== 'union')) return undefined;
    return t.members.map((m) => ({ name: m.name, offset: m.bitOffset >> 3, bitOffset: m.bitOffset, bitSize: m.bitSize, ...this.typeRef(m.type) }));
  }
}

export function readBtf(path: string, base?: Btf): Btf {
  return Btf.fromFile(path, base);
}
