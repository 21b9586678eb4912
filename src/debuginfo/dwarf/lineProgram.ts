// .debug_line: the line-number program of one unit (DWARF 2-5 headers), run
// through the state machine into rows (address → file, line, is_stmt...).
import path from 'node:path';
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import { DW_FORM } from './constants.js';
import type { DwarfSections } from './sections.js';

export interface LineRow {
  address: bigint;
  /** Index into LineTable.files. */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  /** First address after a sequence; the row's other fields are meaningless. */
  endSequence: boolean;
  prologueEnd: boolean;
  discriminator: number;
}

export interface LineFile {
  name: string;
  /** Absolute or comp-dir-relative path as the producer recorded it. */
  path: string;
}

export interface LineTable {
  version: number;
  /**
   * Files by the index DW_AT_decl_file / DW_AT_call_file and the rows use:
   * DWARF 5 numbers from 0; DWARF 4 from 1, with the unit's primary file
   * put at 0 here so that both index the same array.
   */
  files: LineFile[];
  rows: LineRow[];
}

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

export interface LineProgramContext {
  sections: DwarfSections;
  addressSize: number;
  compDir: string | undefined;
  unitName: string | undefined;
}

function joinPath(dir: string | undefined, name: string): string {
  if (path.isAbsolute(name) || !dir) return name;
  return path.posix.join(dir, name);
}

export function readLineTable(offset: number, ctx: LineProgramContext): LineTable {
  const section = ctx.sections.line;
  if (!section) throw new DebugInfoError('DW_AT_stmt_list without .debug_line');
  const c = new Cursor(section, offset);
  let unitLength = c.u32();
  let offsetSize: 4 | 8 = 4;
  if (unitLength === 0xffffffff) {
    unitLength = c.u64Number();
    offsetSize = 8;
  }
  const end = c.pos + unitLength;
  const version = c.u16();
  if (version < 2 || version > 5) throw new DebugInfoError(`unsupported line table version ${version}`);
  let addressSize = ctx.addressSize;
  if (version >= 5) {
    addressSize = c.u8();
    c.u8(); // segment_selector_size
  }
  const headerLength = offsetSize === 4 ? c.u32() : c.u64Number();
  const programStart = c.pos + headerLength;
  const minInstLength = c.u8();
  const maxOpsPerInst = version >= 4 ? c.u8() : 1;
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = c.s8();
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  const opcodeLengths = [0];
  for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(c.u8());

  const files: LineFile[] = [];
  if (version >= 5) {
    const readEntries = (): Map<number, string | number>[] => {
      const formatCount = c.u8();
      const format: [number, number][] = [];
      for (let i = 0; i < formatCount; i++) format.push([c.uleb(), c.uleb()]);
      const count = c.uleb();
      const entries: Map<number, string | number>[] = [];
      for (let i = 0; i < count; i++) {
        const e = new Map<number, string | number>();
        for (const [type, form] of format) e.set(type, readEntryField(c, form, offsetSize, ctx.sections));
        entries.push(e);
      }
      return entries;
    };
    const dirs = readEntries().map((e) => String(e.get(DW_LNCT_path) ?? ''));
    const dir0 = dirs[0] ?? ctx.compDir;
    for (const e of readEntries()) {
      const name = String(e.get(DW_LNCT_path) ?? '');
      const dirIndex = Number(e.get(DW_LNCT_directory_index) ?? 0);
      const dir = dirIndex === 0 ? dir0 : joinPath(dir0, dirs[dirIndex] ?? '');
      files.push({ name, path: joinPath(dir, name) });
    }
  } else {
    const dirs: string[] = [ctx.compDir ?? ''];
    for (let d = c.cstring(); d !== ''; d = c.cstring()) dirs.push(joinPath(ctx.compDir, d));
    const unitName = ctx.unitName ?? '';
    files.push({ name: unitName, path: joinPath(ctx.compDir, unitName) });
    for (let name = c.cstring(); name !== ''; name = c.cstring()) {
      const dirIndex = c.uleb();
      c.uleb(); // mtime
      c.uleb(); // length
      files.push({ name, path: joinPath(dirs[dirIndex], name) });
    }
  }

  const rows: LineRow[] = [];
  c.pos = programStart;
  // State machine registers (DWARF 5 §6.2.2). op_index matters only for VLIW
  // (max_ops_per_inst > 1); on x86 it stays 0 but is honoured anyway.
  let address = 0n;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  let prologueEnd = false;
  let discriminator = 0;
  const reset = (): void => {
    address = 0n;
    opIndex = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
    prologueEnd = false;
    discriminator = 0;
  };
  const emit = (endSequence: boolean): void => {
    rows.push({ address, file, line, column, isStmt, endSequence, prologueEnd, discriminator });
    discriminator = 0;
    prologueEnd = false;
  };
  const advance = (operationAdvance: number): void => {
    if (maxOpsPerInst <= 1) {
      address += BigInt(minInstLength * operationAdvance);
    } else {
      const total = opIndex + operationAdvance;
      address += BigInt(minInstLength * Math.floor(total / maxOpsPerInst));
      opIndex = total % maxOpsPerInst;
    }
  };
  while (c.pos < end) {
    const opcode = c.u8();
    if (opcode >= opcodeBase) {
      const adjusted = opcode - opcodeBase;
      advance(Math.floor(adjusted / lineRange));
      line += lineBase + (adjusted % lineRange);
      emit(false);
      continue;
    }
    switch (opcode) {
      case 0: {
        const len = c.uleb();
        const extEnd = c.pos + len;
        const sub = c.u8();
        if (sub === 1) {
          emit(true);
          reset();
        } else if (sub === 2) {
          address = c.uSized(len - 1);
          opIndex = 0;
        } else if (sub === 3) {
          const name = c.cstring();
          const dirIndex = c.uleb();
          files.push({ name, path: joinPath(dirIndex === 0 ? ctx.compDir : files[dirIndex]?.path, name) });
        } else if (sub === 4) {
          discriminator = c.uleb();
        }
        c.pos = extEnd;
        break;
      }
      case 1:
        emit(false);
        break;
      case 2:
        advance(c.uleb());
        break;
      case 3:
        line += c.sleb();
        break;
      case 4:
        file = c.uleb();
        break;
      case 5:
        column = c.uleb();
        break;
      case 6:
        isStmt = !isStmt;
        break;
      case 7:
        break; // basic_block
      case 8:
        advance(Math.floor((255 - opcodeBase) / lineRange));
        break;
      case 9:
        address += BigInt(c.u16());
        opIndex = 0;
        break;
      case 10:
        prologueEnd = true;
        break;
      case 11:
        break; // epilogue_begin
      case 12:
        c.uleb(); // isa
        break;
      default:
        // Unknown standard opcode: skip its ULEB operands as the header says.
        for (let i = 0; i < (opcodeLengths[opcode] ?? 0); i++) c.uleb();
    }
  }
  return { version, files, rows };
}

function readEntryField(c: Cursor, form: number, offsetSize: 4 | 8, sections: DwarfSections): string | number {
  const off = (): number => (offsetSize === 4 ? c.u32() : c.u64Number());
  switch (form) {
    case DW_FORM.string:
      return c.cstring();
    case DW_FORM.line_strp: {
      const o = off();
      return sections.lineStr ? new Cursor(sections.lineStr, o).cstring() : '';
    }
    case DW_FORM.strp: {
      const o = off();
      return sections.str ? new Cursor(sections.str, o).cstring() : '';
    }
    case DW_FORM.udata:
      return c.uleb();
    case DW_FORM.data1:
      return c.u8();
    case DW_FORM.data2:
      return c.u16();
    case DW_FORM.data4:
      return c.u32();
    case DW_FORM.data8:
      return c.u64Number();
    case DW_FORM.data16:
      c.skip(16);
      return 0;
    case DW_FORM.block:
      c.skip(c.uleb());
      return 0;
    default:
      throw new DebugInfoError(`unsupported form 0x${form.toString(16)} in line table header`);
  }
}

/** Does recorded file F match the user's spelling QUERY ("p.c", "fs/read_write.c", or absolute)? */
export function fileMatches(f: LineFile, query: string): boolean {
  const q = path.posix.normalize(query);
  const full = path.posix.normalize(f.path);
  return full === q || full.endsWith(`/${q}`) || path.posix.normalize(f.name) === q;
}
