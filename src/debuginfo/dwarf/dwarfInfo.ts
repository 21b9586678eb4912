// The DWARF reader of one linked ELF file (executable or vmlinux) and the
// queries the statement-probe resolver needs. Everything is lazy: a query
// finds its unit through .debug_aranges (or the symbol table), parses only
// that unit's DIEs and line program, and caches them.
import { ElfFile } from '../elf.js';
import { DebugInfoError } from '../debugInfoError.js';
import { parseAbbrevTable, type AbbrevTable } from './abbrev.js';
import { readAranges, unitsForAddress, type ArangeEntry } from './aranges.js';
import { DW_AT, DW_TAG, DW_UT } from './constants.js';
import { renderDwarfType, dwarfScalarType, dwarfTypeSize, type DwarfScalar } from './cType.js';
import type { Die } from './die.js';
import { decodeExpression, formatExpression, type ExpressionContext } from './expression.js';
import { fileMatches, readLineTable, type LineTable } from './lineProgram.js';
import { functionPrototypeAt, type FunctionPrototype } from './prototype.js';
import { classifyLocation, isWritable, type VariableLocation } from './location.js';
import { expressionAt, locationDescription } from './locationLists.js';
import { dieRanges, rangesContain, type AddressRange } from './ranges.js';
import { isFunctionScope, scopeChainAt, walkDies } from './scopes.js';
import { dwarfSections, type DwarfSections } from './sections.js';
import { DwarfUnit, readUnitHeader, type DwarfContext, type UnitHeader } from './unit.js';

export type { AddressRange } from './ranges.js';
export type { VariableLocation } from './location.js';
export type { DwarfScalar } from './cType.js';
export type { FunctionPrototype, PrototypeParameter, PrototypeType } from './prototype.js';

export interface SourcePosition {
  file: string;
  line: number;
  column?: number;
}

/** One place a function's code lives: its out-of-line body or an inlined copy. */
export interface FunctionInstance {
  name: string;
  inlined: boolean;
  ranges: AddressRange[];
  /** First address executed: DW_AT_entry_pc, else the lowest range start. */
  entryPc: bigint | undefined;
  /** For an inlined copy: where the call was. */
  callSite: SourcePosition | undefined;
  /** For an inlined copy: the out-of-line function it was inlined into. */
  inlinedInto: string | undefined;
  dieOffset: number;
}

export interface DwarfFunction {
  name: string;
  unit: { offset: number; name: string | undefined; compDir: string | undefined };
  declFile: string | undefined;
  declLine: number | undefined;
  external: boolean;
  /** The out-of-line body, if the function has one in this unit. */
  outOfLine: FunctionInstance | undefined;
  /** Every inlined copy in this unit, each with its own addresses. */
  inlinedCopies: FunctionInstance[];
  /** @internal identity of the abstract/declaring DIE */
  readonly dieOffset: number;
}

export interface LineAddress {
  address: bigint;
  file: string;
  line: number;
  column: number;
  /** The innermost function instance the address belongs to. */
  function: string;
  inlined: boolean;
}

export interface FunctionLine {
  file: string;
  line: number;
  /** Start addresses (is_stmt rows), ascending and unique. */
  addresses: bigint[];
}

export interface LocatedRange {
  /** Undefined bounds: valid wherever no other entry applies. */
  low: bigint | undefined;
  high: bigint | undefined;
  location: VariableLocation;
  /** The DWARF expression as text ("DW_OP_breg3 0; DW_OP_deref_size 4; ..."); '' when none. */
  expression: string;
}

export interface ScopeVariable {
  name: string;
  isParameter: boolean;
  cType: string;
  size: number | undefined;
  /** Its type as an integer or pointer, when it is one (see dwarfScalarType). */
  scalar: DwarfScalar | undefined;
  /** The location at the queried address. */
  location: VariableLocation;
  /** Its DWARF expression as text; '' when there is none (optimised out, or a constant value attribute). */
  expression: string;
  writable: boolean;
  /** The function instance (possibly an inlined copy) that declares it. */
  function: string;
  inlined: boolean;
  /** 0 for the innermost scope containing the address, increasing outwards. */
  scopeDepth: number;
  /** 0 for variables of the innermost function instance, 1 for its caller's (when inlined), ... */
  instanceDepth: number;
  declFile: string | undefined;
  declLine: number | undefined;
  /** The whole location list (or one entry for a single expression): where else it lives. */
  locations: LocatedRange[];
}

export interface OpenDwarfOptions {
  /** Scan every unit when a name has no symbol (static inline functions). Default: when .debug_info < 64 MiB. */
  scanAllUnits?: boolean;
}

export class DwarfInfo implements DwarfContext {
  readonly sections: DwarfSections;
  private readonly abbrevCache = new Map<number, AbbrevTable>();
  private readonly unitCache = new Map<number, DwarfUnit>();
  private readonly lineCache = new Map<number, LineTable>();
  private arangesCache: ArangeEntry[] | undefined;
  private headerCache: UnitHeader[] | undefined;
  private readonly scanAllUnits: boolean;

  constructor(
    readonly elf: ElfFile,
    options: OpenDwarfOptions = {},
  ) {
    this.sections = dwarfSections(elf);
    this.scanAllUnits = options.scanAllUnits ?? this.sections.info.length < 64 * 1024 * 1024;
  }

  static open(path: string, options?: OpenDwarfOptions): DwarfInfo {
    const elf = ElfFile.open(path);
    try {
      return new DwarfInfo(elf, options);
    } catch (err) {
      elf.close();
      throw err;
    }
  }

  close(): void {
    this.elf.close();
  }

  buildId(): string | undefined {
    return this.elf.buildId();
  }

  // --- DwarfContext -----------------------------------------------------------

  abbrevTable(offset: number): AbbrevTable {
    let t = this.abbrevCache.get(offset);
    if (!t) {
      t = parseAbbrevTable(this.sections.abbrev, offset);
      this.abbrevCache.set(offset, t);
    }
    return t;
  }

  dieAtAbsolute(offset: number): Die | undefined {
    const header = this.unitHeaders().find((h) => offset >= h.offset && offset < h.end);
    return header ? this.unitAt(header.offset).dieAt(offset) : undefined;
  }

  // --- units ------------------------------------------------------------------

  /** Headers of every unit (reads 24 bytes per unit, not the units). */
  unitHeaders(): UnitHeader[] {
    if (!this.headerCache) {
      const headers: UnitHeader[] = [];
      const info = this.sections.info;
      const peekSource = { length: info.length, bytes: (o: number, l: number) => info.peek(o, l), peek: (o: number, l: number) => info.peek(o, l) };
      for (let off = 0; off < info.length; ) {
        const h = readUnitHeader(peekSource, off);
        headers.push(h);
        off = h.end;
      }
      this.headerCache = headers;
    }
    return this.headerCache;
  }

  unitAt(offset: number): DwarfUnit {
    let u = this.unitCache.get(offset);
    if (!u) {
      u = new DwarfUnit(this, readUnitHeader(this.sections.info, offset));
      this.unitCache.set(offset, u);
    }
    return u;
  }

  /** Units whose code covers ADDRESS (via .debug_aranges, else by unit ranges). */
  unitsForAddress(address: bigint): DwarfUnit[] {
    if (this.sections.aranges) {
      this.arangesCache ??= readAranges(this.sections.aranges);
      const hits = unitsForAddress(this.arangesCache, address);
      if (hits.length > 0) return hits.map((o) => this.unitAt(o));
    }
    return this.compileUnits().filter((u) => rangesContain(dieRanges(u.root()), address));
  }

  private compileUnits(): DwarfUnit[] {
    return this.unitHeaders()
      .filter((h) => h.unitType === DW_UT.compile || h.unitType === DW_UT.partial)
      .map((h) => this.unitAt(h.offset));
  }

  lineTable(unit: DwarfUnit): LineTable | undefined {
    const root = unit.root();
    const stmt = root.attr(DW_AT.stmt_list);
    const offset = stmt?.form === 'sec_offset' ? stmt.offset : stmt?.form === 'constant' ? Number(stmt.value) : undefined;
    if (offset === undefined) return undefined;
    let t = this.lineCache.get(offset);
    if (!t) {
      t = readLineTable(offset, { sections: this.sections, addressSize: unit.header.addressSize, compDir: unit.compDir, unitName: unit.name });
      this.lineCache.set(offset, t);
    }
    return t;
  }

  private fileName(unit: DwarfUnit, index: number | undefined): string | undefined {
    if (index === undefined) return undefined;
    return this.lineTable(unit)?.files[index]?.path;
  }

  // --- functions ----------------------------------------------------------------

  /**
   * Functions called NAME with their out-of-line body and every inlined
   * copy. Units are found through the symbol table (including GCC clones
   * such as NAME.isra.0), else — for functions that only exist inlined —
   * by scanning all units when that is affordable (see OpenDwarfOptions).
   */
  findFunctions(name: string): DwarfFunction[] {
    const units = new Set<number>();
    for (const s of this.elf.symbols()) {
      if (s.type === 'func' && (s.name === name || s.name.startsWith(`${name}.`)) && s.value !== 0n) {
        for (const u of this.unitsForAddress(s.value)) units.add(u.offset);
      }
    }
    let candidates = [...units].map((o) => this.unitAt(o));
    let found = candidates.flatMap((u) => this.functionsInUnit(u, name));
    if (found.length === 0 && this.scanAllUnits) {
      candidates = this.compileUnits();
      found = candidates.flatMap((u) => this.functionsInUnit(u, name));
    }
    return found;
  }

  private functionsInUnit(unit: DwarfUnit, name: string): DwarfFunction[] {
    const byOrigin = new Map<number, DwarfFunction>();
    const root = unit.tree();
    const entry = (decl: Die): DwarfFunction => {
      let f = byOrigin.get(decl.offset);
      if (!f) {
        f = {
          name,
          unit: { offset: unit.offset, name: unit.name, compDir: unit.compDir },
          declFile: this.fileName(decl.unit, decl.number(DW_AT.decl_file)),
          declLine: decl.number(DW_AT.decl_line),
          external: decl.flag(DW_AT.external),
          outOfLine: undefined,
          inlinedCopies: [],
          dieOffset: decl.offset,
        };
        byOrigin.set(decl.offset, f);
      }
      return f;
    };
    walkDies(root, (d) => {
      if (d.tag !== DW_TAG.subprogram && d.tag !== DW_TAG.inlined_subroutine) return;
      if (d.name !== name) return;
      const decl = d.origin();
      if (d.tag === DW_TAG.subprogram && d === decl && dieRanges(d).length === 0) {
        // Abstract instance or declaration: recorded so inlined-only functions get decl info.
        if (!d.flag(DW_AT.declaration)) entry(decl);
        return;
      }
      const f = entry(decl);
      const instance = this.instance(d);
      if (d.tag === DW_TAG.subprogram) {
        if (!f.outOfLine) f.outOfLine = instance;
        else f.outOfLine.ranges.push(...instance.ranges); // e.g. a .cold part described separately
      } else {
        f.inlinedCopies.push(instance);
      }
    });
    return [...byOrigin.values()].filter((f) => f.outOfLine || f.inlinedCopies.length > 0);
  }

  private instance(d: Die): FunctionInstance {
    const ranges = dieRanges(d);
    const entryPc = d.unit.addressOf(d.attr(DW_AT.entry_pc)) ?? (ranges.length ? ranges.reduce((m, r) => (r.low < m ? r.low : m), ranges[0]!.low) : undefined);
    const inlined = d.tag === DW_TAG.inlined_subroutine;
    let outer: Die | undefined = d.parent;
    while (outer && outer.tag !== DW_TAG.subprogram) outer = outer.parent;
    const callLine = d.number(DW_AT.call_line);
    return {
      name: d.name ?? '?',
      inlined,
      ranges,
      entryPc,
      callSite: inlined && callLine !== undefined ? { file: this.fileName(d.unit, d.number(DW_AT.call_file)) ?? '?', line: callLine, column: d.number(DW_AT.call_column) } : undefined,
      inlinedInto: inlined ? outer?.name : undefined,
      dieOffset: d.offset,
    };
  }

  private instances(f: DwarfFunction): FunctionInstance[] {
    return f.outOfLine ? [f.outOfLine, ...f.inlinedCopies] : f.inlinedCopies;
  }

  /** The innermost function instance containing ADDRESS in UNIT. */
  private innermostFunction(unit: DwarfUnit, address: bigint): Die | undefined {
    const chain = scopeChainAt(unit.tree(), address);
    for (let i = chain.length - 1; i >= 0; i--) if (isFunctionScope(chain[i]!)) return chain[i];
    return undefined;
  }

  /** The prototype (return type, typed parameters) of the function whose out-of-line body starts at ADDRESS. */
  prototypeAt(address: bigint): FunctionPrototype | undefined {
    return functionPrototypeAt(this.unitsForAddress(address), address, (d, i) => this.fileName(d.unit, i));
  }

  // --- lines ------------------------------------------------------------------------

  /**
   * Every address where FILE:LINE starts (is_stmt rows) inside function F,
   * its out-of-line body and inlined copies alike, ascending.
   */
  lineAddresses(f: DwarfFunction, file: string, line: number): LineAddress[] {
    const unit = this.unitAt(f.unit.offset);
    const table = this.lineTable(unit);
    if (!table) return [];
    const ranges = this.instances(f).flatMap((i) => i.ranges);
    const seen = new Set<bigint>();
    const out: LineAddress[] = [];
    for (const row of table.rows) {
      if (row.endSequence || !row.isStmt || row.line !== line || seen.has(row.address)) continue;
      const rowFile = table.files[row.file];
      if (!rowFile || !fileMatches(rowFile, file) || !rangesContain(ranges, row.address)) continue;
      seen.add(row.address);
      const fn = this.innermostFunction(unit, row.address);
      out.push({
        address: row.address,
        file: rowFile.path,
        line: row.line,
        column: row.column,
        function: fn?.name ?? f.name,
        inlined: fn?.tag === DW_TAG.inlined_subroutine,
      });
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /**
   * The line table of function F: every (file, line) with the addresses
   * where it starts. Lines of F's span missing here have no code (or were
   * optimised away) and cannot be probed.
   */
  functionLines(f: DwarfFunction): FunctionLine[] {
    const unit = this.unitAt(f.unit.offset);
    const table = this.lineTable(unit);
    if (!table) return [];
    const ranges = this.instances(f).flatMap((i) => i.ranges);
    const byKey = new Map<string, FunctionLine>();
    for (const row of table.rows) {
      if (row.endSequence || !row.isStmt || !rangesContain(ranges, row.address)) continue;
      const file = table.files[row.file]?.path ?? '?';
      const key = `${file}:${row.line}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { file, line: row.line, addresses: [] };
        byKey.set(key, entry);
      }
      if (!entry.addresses.includes(row.address)) entry.addresses.push(row.address);
    }
    const out = [...byKey.values()];
    for (const e of out) e.addresses.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }

  // --- variables ----------------------------------------------------------------------

  /**
   * Variables and parameters in scope at ADDRESS, innermost scope first:
   * the innermost blocks, then the (possibly inlined) function that holds
   * them, then — for an inlined copy — the scopes of its caller, and so on
   * out to the out-of-line function.
   */
  variablesAt(address: bigint): ScopeVariable[] {
    for (const unit of this.unitsForAddress(address)) {
      const chain = scopeChainAt(unit.tree(), address);
      if (chain.length === 0) continue;
      const subprogram = chain[0]!;
      const exprCtx: ExpressionContext = { addressSize: unit.header.addressSize, offsetSize: unit.header.offsetSize };
      const frameBase = this.frameBaseAt(subprogram, address, exprCtx);
      const out: ScopeVariable[] = [];
      let instanceDepth = 0;
      for (let depth = 0, i = chain.length - 1; i >= 0; i--, depth++) {
        const scope = chain[i]!;
        let fn = scope;
        for (let j = i; j >= 0 && !isFunctionScope(fn); j--) fn = chain[j]!;
        for (const v of scopeVariables(scope)) {
          out.push({ ...this.describeVariable(v, address, frameBase, exprCtx, fn, depth), instanceDepth });
        }
        if (isFunctionScope(scope)) instanceDepth++;
      }
      return out;
    }
    return [];
  }

  private frameBaseAt(subprogram: Die, address: bigint, ctx: ExpressionContext): ReturnType<typeof decodeExpression> | undefined {
    const attr = subprogram.attr(DW_AT.frame_base);
    if (!attr) return undefined;
    const desc = locationDescription(subprogram.unit, attr);
    const expr = desc && expressionAt(desc, address);
    return expr ? decodeExpression(expr, ctx) : undefined;
  }

  private describeVariable(v: Die, address: bigint, frameBase: ReturnType<typeof decodeExpression> | undefined, ctx: ExpressionContext, fn: Die, depth: number): Omit<ScopeVariable, 'instanceDepth'> {
    const decl = v.origin();
    const type = v.ref(DW_AT.type) ?? decl.ref(DW_AT.type);
    const locations = this.variableLocations(v, frameBase, ctx);
    const here =
      locations.find((l) => l.low !== undefined && address >= l.low && address < l.high!) ?? locations.find((l) => l.low === undefined);
    const location: VariableLocation = here?.location ?? { kind: 'optimized_out' };
    return {
      name: v.name ?? '?',
      isParameter: v.tag === DW_TAG.formal_parameter,
      cType: renderDwarfType(type),
      size: dwarfTypeSize(type),
      scalar: dwarfScalarType(type),
      location,
      expression: here?.expression ?? '',
      writable: isWritable(location),
      function: fn.name ?? '?',
      inlined: fn.tag === DW_TAG.inlined_subroutine,
      scopeDepth: depth,
      declFile: this.fileName(decl.unit, decl.number(DW_AT.decl_file)),
      declLine: decl.number(DW_AT.decl_line),
      locations,
    };
  }

  private variableLocations(v: Die, frameBase: ReturnType<typeof decodeExpression> | undefined, ctx: ExpressionContext): LocatedRange[] {
    const attr = v.attr(DW_AT.location);
    if (!attr) {
      const cv = v.attr(DW_AT.const_value) ?? v.origin().attr(DW_AT.const_value);
      if (cv?.form === 'constant') {
        return [{ low: undefined, high: undefined, location: { kind: 'value', value: constantForType(cv.value, v.ref(DW_AT.type) ?? v.origin().ref(DW_AT.type)) }, expression: '' }];
      }
      if (cv?.form === 'block' || cv?.form === 'data16') {
        return [{ low: undefined, high: undefined, location: { kind: 'implicit', bytes: cv.bytes.toString('hex') }, expression: '' }];
      }
      return [];
    }
    const desc = locationDescription(v.unit, attr);
    if (!desc) throw new DebugInfoError(`DW_AT_location of unexpected form ${attr.form} at DIE 0x${v.offset.toString(16)}`);
    const classify = (expr: Buffer): { location: VariableLocation; expression: string } => {
      try {
        const ops = decodeExpression(expr, ctx);
        return { location: classifyLocation(ops, frameBase), expression: formatExpression(ops) };
      } catch (err) {
        const text = `undecodable expression ${expr.toString('hex')}: ${(err as Error).message}`;
        return { location: { kind: 'unsupported', ops: text }, expression: text };
      }
    };
    if (desc.kind === 'expression') return [{ low: undefined, high: undefined, ...classify(desc.expr) }];
    return desc.entries.map((e) => ({ low: e.low, high: e.high, ...classify(e.expr) }));
  }
}

/**
 * Variables and parameters declared directly in SCOPE (and in range-less
 * blocks inside it). A concrete instance (inlined copy, out-of-line copy of
 * an inline function, or a block of one) may omit children of its abstract
 * origin; those are still in scope, with no location (optimised out). As
 * gdb does, an abstract child counts as present only if a direct child of
 * the concrete scope refers to it.
 */
function scopeVariables(scope: Die): Die[] {
  const out: Die[] = [];
  const isVariable = (c: Die): boolean => (c.tag === DW_TAG.variable || c.tag === DW_TAG.formal_parameter) && !c.flag(DW_AT.declaration);
  const visit = (d: Die): void => {
    for (const c of d.children) {
      if (isVariable(c)) out.push(c);
      else if (c.tag === DW_TAG.lexical_block && !c.has(DW_AT.low_pc) && !c.has(DW_AT.ranges)) visit(c);
    }
  };
  visit(scope);
  const abstract = scope.ref(DW_AT.abstract_origin);
  if (abstract) {
    const concrete = new Set<number>();
    for (const c of scope.children) {
      const origin = c.attr(DW_AT.abstract_origin);
      if (origin?.form === 'ref') concrete.add(origin.offset);
    }
    // Abstract lexical blocks with no concrete counterpart have no code here;
    // gdb still lists their variables in the enclosing scope (optimised out),
    // and so do we, so that both tools show the same names.
    const inherit = (d: Die): void => {
      for (const c of d.children) {
        if (concrete.has(c.offset)) continue;
        if (isVariable(c)) out.push(c);
        else if (c.tag === DW_TAG.lexical_block) inherit(c);
      }
    };
    inherit(abstract);
  }
  return out;
}

/**
 * DW_FORM_dataN constants carry no signedness and GCC writes some unsigned
 * values as negative sdata (an `unsigned char` 200 as -56): the variable's
 * type decides, so the value is brought into the type's range.
 */
function constantForType(value: bigint, type: Die | undefined): bigint {
  let t = type;
  for (let guard = 0; t && t.tag !== DW_TAG.base_type && t.tag !== DW_TAG.enumeration_type && t.tag !== DW_TAG.pointer_type && guard < 16; guard++) {
    t = t.ref(DW_AT.type);
  }
  const size = t?.tag === DW_TAG.pointer_type ? 8 : t?.number(DW_AT.byte_size);
  if (!size || size > 8) return value;
  const encoding = t?.number(0x3e /* DW_AT_encoding */);
  const isSigned = encoding === 0x05 /* DW_ATE_signed */ || encoding === 0x06 /* DW_ATE_signed_char */;
  return isSigned ? BigInt.asIntN(size * 8, value) : BigInt.asUintN(size * 8, value);
}

export function openDwarf(path: string, options?: OpenDwarfOptions): DwarfInfo {
  return DwarfInfo.open(path, options);
}
