// One unit of .debug_info (DWARF 4 or 5): header, abbreviations and the DIE
// tree, parsed only when a query first needs this unit. Also resolves the
// unit-relative indirections of DWARF 5 (str_offsets, addr, rnglists and
// loclists bases), which are attributes of the unit's own root DIE.
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import { BufferSource, type ByteSource } from '../fileRegion.js';
import { parseAbbrevTable, type AbbrevTable } from './abbrev.js';
import { readAttrValue, type AttrValue, type FormContext } from './attrValue.js';
import { DW_AT, DW_UT } from './constants.js';
import { Die } from './die.js';
import type { DwarfSections } from './sections.js';

export interface UnitHeader {
  /** Offset of the unit header in .debug_info. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  version: number;
  unitType: number;
  addressSize: number;
  offsetSize: 4 | 8;
  abbrevOffset: number;
  /** Offset of the first (root) DIE. */
  dieOffset: number;
}

/** Read the header of the unit at OFFSET. */
export function readUnitHeader(info: ByteSource, offset: number): UnitHeader {
  const c = new Cursor(info, offset);
  let length = c.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = c.u64Number();
    offsetSize = 8;
  }
  const end = c.pos + length;
  const version = c.u16();
  if (version < 2 || version > 5) throw new DebugInfoError(`unsupported DWARF version ${version} in unit at 0x${offset.toString(16)}`);
  let unitType: number = DW_UT.compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = c.u8();
    addressSize = c.u8();
    abbrevOffset = offsetSize === 4 ? c.u32() : c.u64Number();
    if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) c.skip(8); // dwo_id
    else if (unitType === DW_UT.type || unitType === DW_UT.split_type) c.skip(8 + offsetSize); // signature, type_offset
  } else {
    abbrevOffset = offsetSize === 4 ? c.u32() : c.u64Number();
    addressSize = c.u8();
  }
  return { offset, end, version, unitType, addressSize, offsetSize, abbrevOffset, dieOffset: c.pos };
}

/** What a unit needs from the whole-file reader. */
export interface DwarfContext {
  readonly sections: DwarfSections;
  abbrevTable(offset: number): AbbrevTable;
  /** The DIE at an absolute .debug_info offset, in whatever unit holds it. */
  dieAtAbsolute(offset: number): Die | undefined;
}

export class DwarfUnit {
  private rootDie: Die | undefined;
  private treeLoaded = false;
  private readonly byOffset = new Map<number, Die>();
  private bytes: ByteSource | undefined;

  constructor(
    readonly ctx: DwarfContext,
    readonly header: UnitHeader,
  ) {}

  get offset(): number {
    return this.header.offset;
  }
  get version(): number {
    return this.header.version;
  }

  /** The unit's bytes, read once (a unit is the granularity of a query). */
  private source(): ByteSource {
    if (!this.bytes) {
      const { offset, end } = this.header;
      this.bytes = new BufferSource(Buffer.from(this.ctx.sections.info.bytes(offset, end - offset)));
    }
    return this.bytes;
  }

  /** The root DIE (compile_unit), parsed without its children if the tree is not loaded. */
  root(): Die {
    if (!this.rootDie) {
      if (this.treeLoaded) throw new DebugInfoError('unit without root DIE');
      this.rootDie = this.parse(true);
    }
    return this.rootDie;
  }

  /** The root DIE with its whole subtree. */
  tree(): Die {
    if (!this.treeLoaded) {
      this.byOffset.clear();
      this.rootDie = undefined;
      this.rootDie = this.parse(false);
      this.treeLoaded = true;
    }
    return this.rootDie!;
  }

  contains(offset: number): boolean {
    return offset >= this.header.offset && offset < this.header.end;
  }

  /** DIE at absolute OFFSET inside this unit (loads the tree). */
  dieAt(offset: number): Die | undefined {
    this.tree();
    return this.byOffset.get(offset);
  }

  dieAtAbsolute(offset: number): Die | undefined {
    return this.contains(offset) ? this.dieAt(offset) : this.ctx.dieAtAbsolute(offset);
  }

  private parse(rootOnly: boolean): Die {
    const { header } = this;
    const abbrevs = this.ctx.abbrevTable(header.abbrevOffset);
    const src = this.source();
    const c = new Cursor(src, header.dieOffset - header.offset);
    const formCtx: FormContext = { addressSize: header.addressSize, offsetSize: header.offsetSize, version: header.version, unitOffset: header.offset };
    const stack: Die[] = [];
    let root: Die | undefined;
    while (c.pos < src.length) {
      const dieOffset = header.offset + c.pos;
      const code = c.uleb();
      if (code === 0) {
        stack.pop();
        if (stack.length === 0 && root) break;
        continue;
      }
      const abbrev = abbrevs.get(code);
      if (!abbrev) throw new DebugInfoError(`unknown abbreviation code ${code} at DIE 0x${dieOffset.toString(16)}`);
      const names: number[] = new Array(abbrev.attrs.length);
      const values: AttrValue[] = new Array(abbrev.attrs.length);
      for (let i = 0; i < abbrev.attrs.length; i++) {
        const a = abbrev.attrs[i]!;
        names[i] = a.name;
        values[i] = readAttrValue(c, a.form, formCtx, a.implicitConst);
      }
      const die = new Die(this, dieOffset, abbrev.tag, names, values);
      this.byOffset.set(dieOffset, die);
      const parent = stack[stack.length - 1];
      if (parent) {
        die.parent = parent;
        parent.children.push(die);
      } else if (!root) {
        root = die;
      }
      if (rootOnly) return die;
      if (abbrev.hasChildren) stack.push(die);
      else if (stack.length === 0) break;
    }
    if (!root) throw new DebugInfoError(`empty unit at 0x${header.offset.toString(16)}`);
    return root;
  }

  // --- DWARF 5 indirections, with bases from the root DIE -------------------

  private baseOf(attr: number, fallback: number): number {
    const v = this.root().attr(attr);
    if (v?.form === 'sec_offset') return v.offset;
    if (v?.form === 'constant') return Number(v.value);
    return fallback;
  }

  /** Text of a string-class attribute value. */
  stringOf(v: AttrValue): string | undefined {
    const s = this.ctx.sections;
    switch (v.form) {
      case 'string':
        return v.value;
      case 'strp': {
        const section = v.section === 'str' ? s.str : v.section === 'line_str' ? s.lineStr : undefined;
        return section ? new Cursor(section, v.offset).cstring() : undefined;
      }
      case 'strx': {
        if (!s.strOffsets || !s.str) return undefined;
        const { offsetSize } = this.header;
        // Without DW_AT_str_offsets_base, the first contribution's header size.
        const base = this.baseOf(DW_AT.str_offsets_base, offsetSize === 4 ? 8 : 16);
        const c = new Cursor(s.strOffsets, base + v.index * offsetSize);
        const off = offsetSize === 4 ? c.u32() : c.u64Number();
        return new Cursor(s.str, off).cstring();
      }
      default:
        return undefined;
    }
  }

  /** Entry INDEX of this unit's .debug_addr contribution. */
  addressAt(index: number): bigint {
    const s = this.ctx.sections.addr;
    if (!s) throw new DebugInfoError('DW_FORM_addrx without .debug_addr');
    const base = this.baseOf(DW_AT.addr_base, this.baseOf(DW_AT.GNU_addr_base, 8));
    return new Cursor(s, base + index * this.header.addressSize).uSized(this.header.addressSize);
  }

  /** An address-class value (addr or addrx). */
  addressOf(v: AttrValue | undefined): bigint | undefined {
    if (v?.form === 'address') return v.value;
    if (v?.form === 'addrx') return this.addressAt(v.index);
    return undefined;
  }

  /** Offset in .debug_rnglists of list INDEX (DW_FORM_rnglistx). */
  rnglistOffset(index: number): number {
    return this.listOffset(this.ctx.sections.rnglists, DW_AT.rnglists_base, index);
  }
  loclistOffset(index: number): number {
    return this.listOffset(this.ctx.sections.loclists, DW_AT.loclists_base, index);
  }
  private listOffset(section: ByteSource | undefined, baseAttr: number, index: number): number {
    if (!section) throw new DebugInfoError('list index without its section');
    const { offsetSize } = this.header;
    const base = this.baseOf(baseAttr, offsetSize === 4 ? 12 : 20);
    const c = new Cursor(section, base + index * offsetSize);
    return base + (offsetSize === 4 ? c.u32() : c.u64Number());
  }

  /** Base for range/location list offsets: the unit's DW_AT_low_pc (0 if absent). */
  baseAddress(): bigint {
    return this.addressOf(this.root().attr(DW_AT.low_pc)) ?? 0n;
  }

  get name(): string | undefined {
    return this.root().string(DW_AT.name);
  }
  get compDir(): string | undefined {
    return this.root().string(DW_AT.comp_dir);
  }
}
