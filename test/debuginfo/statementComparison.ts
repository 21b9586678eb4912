// Statement probes resolved by guru, checked line by line against gdb (and
// readelf for the CFA, which gdb only shows with a live frame): the lines a
// function has, every address of each line, the symbol+offset of each, and
// where every usable variable is at every address, in pt_regs terms.
import type { LocalLocation, LocalScalar, RegsAddress } from '../../src/expr/localAccess.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { ptRegsFieldByName } from '../../src/probeFamilies/sourceLine/ptRegs.js';
import { resolveStatementProbe } from '../../src/probeFamilies/statement/resolveStatement.js';
import type { StatementPlacement } from '../../src/probeFamilies/statement/types.js';
import type { Resolution } from '../../src/probeFamilies/types.js';

type ResolvedStatement = Resolution<StatementPlacement>;
import { gdbLocationAt, type GdbLocation, type GdbScopeSymbol } from './gdbOracle.js';
import { gdbStatementOracle, type GdbAddress, type GdbStatementOracle } from './gdbStatementOracle.js';
import { readelfStatementRows } from './readelfLines.js';

const hex = (a: bigint): string => `0x${a.toString(16)}`;
const base = (file: string): string => file.split('/').pop()!;

/** What gdb (and readelf's CFA) say a probe should find, or why it cannot. */
type Expected = { ok: true; where: LocalLocation } | { ok: false; why: string } | undefined;

/** The CFA at an address, from readelf (the oracle for call-frame information). */
export type CfaOracle = (address: bigint) => RegsAddress | undefined;

function gdbScalar(a: GdbAddress, name: string, fn: string): LocalScalar | 'missing' | 'not-scalar' {
  const t = a.types.find((x) => x.name === name && x.fn === fn);
  if (!t) return 'missing';
  if (t.code === 'ptr') return { kind: 'pointer', bytes: t.size };
  if (['int', 'enum', 'bool', 'char'].includes(t.code) && t.size <= 8) return { kind: t.signed ? 'signed' : 'unsigned', bytes: t.size };
  return 'not-scalar';
}

function constant(v: bigint, s: LocalScalar): LocalLocation {
  const bits = s.bytes * 8;
  return { kind: 'constant', value: (s.kind === 'signed' ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v)).toString() };
}

function fromOps(ops: string[], scalar: LocalScalar, cfa: RegsAddress | undefined, entry: { function: string; cfa: RegsAddress | undefined }): Expected {
  const fbreg = (t: string): number | undefined => (/^DW_OP_fbreg (-?\d+)$/.exec(t) ? Number(/^DW_OP_fbreg (-?\d+)$/.exec(t)![1]) : undefined);
  const [a, b, c] = ops;
  if (ops.length === 1 && a !== undefined && fbreg(a) !== undefined) {
    return cfa ? { ok: true, where: { kind: 'memory', at: { base: cfa.base, offset: cfa.offset + fbreg(a)! } } } : { ok: false, why: 'no CFA' };
  }
  if (ops.length === 1 && a === 'DW_OP_call_frame_cfa') return cfa ? { ok: true, where: { kind: 'memory', at: cfa } } : { ok: false, why: 'no CFA' };
  if (ops.length === 2 && b === 'DW_OP_stack_value' && a !== undefined) {
    if (fbreg(a) !== undefined) return cfa ? { ok: true, where: { kind: 'address', at: { base: cfa.base, offset: cfa.offset + fbreg(a)! } } } : { ok: false, why: 'no CFA' };
    const breg = /^DW_OP_breg(\d+) (-?\d+)$/.exec(a);
    if (breg) {
      const reg = DWARF_REGS[Number(breg[1])];
      return reg && reg !== 'ip' ? { ok: true, where: { kind: 'address', at: { base: reg, offset: Number(breg[2]) } } } : { ok: false, why: 'register' };
    }
    const lit = /^DW_OP_lit(\d+)$/.exec(a);
    if (lit) return { ok: true, where: constant(BigInt(lit[1]!), scalar) };
    const cons = /^DW_OP_const(?:\d[us]|u|s) (-?\d+)$/.exec(a);
    if (cons) return { ok: true, where: constant(BigInt(cons[1]!), scalar) };
  }
  if (ops.length === 3 && (a === 'DW_OP_entry_value' || a === 'DW_OP_GNU_entry_value') && c === 'DW_OP_stack_value') {
    const reg = /^DW_OP_reg(\d+)$/.exec(b ?? '');
    const field = reg ? DWARF_REGS[Number(reg[1])] : undefined;
    if (!field || field === 'ip' || field === 'sp') return { ok: false, why: 'entry value of a register guru does not capture' };
    if (!cfa || !entry.cfa) return { ok: false, why: 'no CFA' };
    return { ok: true, where: { kind: 'entry', reg: field, function: entry.function, entryCfa: entry.cfa, cfa } };
  }
  return { ok: false, why: `expression ${ops.join('; ')}` };
}

const DWARF_REGS = ['ax', 'dx', 'cx', 'bx', 'si', 'di', 'bp', 'sp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ip'] as const;

function fromGdb(loc: GdbLocation, scalar: LocalScalar, cfa: RegsAddress | undefined, entry: { function: string; cfa: RegsAddress | undefined }): Expected {
  switch (loc.kind) {
    case 'register': {
      const f = ptRegsFieldByName(loc.reg);
      return f && f !== 'ip' ? { ok: true, where: { kind: 'register', reg: f } } : { ok: false, why: `in ${loc.reg}` };
    }
    case 'constant':
      return { ok: true, where: constant(loc.value, scalar) };
    case 'static':
      return { ok: true, where: { kind: 'static', address: hex(loc.address) } };
    case 'optimized_out':
      return { ok: false, why: 'optimised out' };
    case 'frame_base':
    case 'base_reg': {
      const f = ptRegsFieldByName(loc.reg);
      return f ? { ok: true, where: { kind: 'memory', at: { base: f, offset: loc.offset } } } : { ok: false, why: loc.reg };
    }
    case 'ops':
      return fromOps(loc.ops, scalar, cfa, entry);
    case 'pieces':
      if (loc.pieces.length === 1 && loc.pieces[0]!.size >= scalar.bytes) return fromGdb(loc.pieces[0]!.location, scalar, cfa, entry);
      return { ok: false, why: 'pieces' };
    case 'other':
      throw new Error(`gdb location the test does not understand: ${loc.text}`);
  }
}

export interface StatementComparison {
  lines: number;
  sites: number;
  /** (variable, address) pairs compared. */
  locations: number;
  /** Variables gdb could not show at an address (declared by a caller the probe's function was inlined into). */
  unjudged: number;
  /** Lines, and addresses, that gdb's line table drops and readelf's decoded line table shows. */
  linesGdbDrops: number;
  addressesGdbDrops: number;
  /** How many compared locations were of each kind (register, memory, entry, ...). */
  kinds: Record<string, number>;
  mismatches: string[];
}

export interface CompareOptions {
  binary: string;
  functions: string[];
  facts: KernelFacts;
  cfa: CfaOracle;
}

/** Resolve statement:FUNC@FILE:LINE for every line of each function and compare with gdb. */
export function compareStatementProbes(opts: CompareOptions): StatementComparison {
  const dbg = opts.facts.debuginfo!();
  const resolved = new Map<string, { file: string; line: number; r: ResolvedStatement }[]>();
  const mismatches: string[] = [];
  const ourAddresses: bigint[] = [];
  for (const func of opts.functions) {
    const lines = dbg.findFunctions(func).flatMap((f) => dbg.functionLines(f));
    const list: { file: string; line: number; r: ResolvedStatement }[] = [];
    for (const l of [...new Map(lines.map((x) => [`${x.file}:${x.line}`, x])).values()]) {
      const label = `statement:${func}@${l.file}:${l.line}`;
      const r = resolveStatementProbe({ func, file: l.file, line: l.line }, opts.facts, label);
      if ('message' in r) {
        mismatches.push(`${label}: ${r.message}`);
        continue;
      }
      list.push({ file: l.file, line: l.line, r });
      for (const s of r.placement.statement.sites) ourAddresses.push(BigInt(s.address));
    }
    resolved.set(func, list);
  }
  const oracle: GdbStatementOracle = gdbStatementOracle(opts.binary, opts.functions, ourAddresses);
  const readelfRows = readelfStatementRows(opts.binary, ourAddresses);
  const result: StatementComparison = { lines: 0, sites: 0, locations: 0, unjudged: 0, linesGdbDrops: 0, addressesGdbDrops: 0, kinds: {}, mismatches };

  for (const func of opts.functions) {
    const gdbRows = oracle.rows.get(func) ?? [];
    const ours = resolved.get(func)!;
    const gdbLines = [...new Set(gdbRows.map((r) => `${base(r.file)}:${r.line}`))].sort();
    const ourLines = [...new Set(ours.map((o) => `${base(o.file)}:${o.line}`))].sort();
    // Ours may have more: lines gdb drops (see readelfLines.ts), each address checked below.
    const missing = gdbLines.filter((l) => !ourLines.includes(l));
    if (missing.length) mismatches.push(`${func}: gdb has lines we do not: ${missing.join(' ')}`);
    result.linesGdbDrops += ourLines.length - gdbLines.length;
    for (const { file, line, r } of ours) {
      result.lines++;
      const label = `${func}@${base(file)}:${line}`;
      const sites = r.placement.statement.sites;
      const ourPcs = sites.map((s) => BigInt(s.address));
      const theirs = gdbRows.filter((g) => g.line === line && base(g.file) === base(file)).map((g) => g.pc);
      for (const pc of theirs) if (!ourPcs.includes(pc)) mismatches.push(`${label}: gdb has address ${hex(pc)}, we do not`);
      for (const s of sites) {
        result.sites++;
        const pc = BigInt(s.address);
        const g = oracle.addresses.get(pc)!;
        if (!theirs.includes(pc) && g.line !== line) {
          // gdb dropped the row: binutils must still show it as a statement start of this line.
          const rows = readelfRows.get(pc) ?? [];
          if (!rows.some((row) => row.line === line && row.file === base(file))) mismatches.push(`${label}: our address ${s.address} is on line ${g.line} for gdb and not a statement of line ${line} for readelf`);
          else result.addressesGdbDrops++;
        }
        if (g.symbol !== s.symbol || g.offset !== s.offset) mismatches.push(`${label}: ${s.address} is ${g.symbol}+${g.offset} for gdb, ${s.symbol}+${s.offset} for us`);
        if (!g.chain.includes(func)) mismatches.push(`${label}: ${s.address} is not in ${func} for gdb (${g.chain.join(' < ')})`);
      }
      compareVariables(func, label, r, oracle, opts.cfa, result);
    }
  }
  return result;
}

/** gdb's listing of variable NAME of function FN that is in effect at PC. */
function gdbSymbol(oracle: GdbStatementOracle, pc: bigint, name: string, fn: string): GdbScopeSymbol | undefined {
  const here = oracle.addresses.get(pc)!;
  if (here.chain[0] === fn) return here.scope.find((s) => s.name === name);
  // FN is not the innermost function at PC (a callee was inlined there), so
  // `info scope *PC` does not show it: take its listing at the nearest
  // address where FN is innermost; a location list is the same everywhere.
  let best: { d: bigint; s: GdbScopeSymbol } | undefined;
  for (const [a, info] of oracle.addresses) {
    if (info.chain[0] !== fn) continue;
    const s = info.scope.find((x) => x.name === name);
    if (!s) continue;
    const d = a > pc ? a - pc : pc - a;
    if (!best || d < best.d) best = { d, s };
  }
  return best?.s;
}

function compareVariables(func: string, label: string, r: ResolvedStatement, oracle: GdbStatementOracle, cfaOracle: CfaOracle, result: StatementComparison): void {
  const sites = r.placement.statement.sites;
  const expectAt = (name: string, fn: string, i: number): Expected | 'unjudged' => {
    const site = sites[i]!;
    const pc = BigInt(site.address);
    const g = oracle.addresses.get(pc)!;
    if (!g.chain.includes(fn)) return 'unjudged';
    const scalar = gdbScalar(g, name, fn);
    if (scalar === 'missing') return { ok: false, why: 'not in scope' };
    if (scalar === 'not-scalar') return { ok: false, why: 'not an integer or pointer' };
    const sym = gdbSymbol(oracle, pc, name, fn);
    if (!sym) return 'unjudged';
    const outer = g.chain[g.chain.length - 1]!;
    const entryAddress = pc - BigInt(g.offset);
    const entry = { function: outer, cfa: g.symbol === outer ? cfaOracle(entryAddress) : undefined };
    return fromGdb(gdbLocationAt(sym, pc), scalar, cfaOracle(pc), entry);
  };
  for (const t of r.targets.values()) {
    if (t.access.kind !== 'local') continue;
    const a = t.access;
    a.sites.forEach((s, i) => {
      const want = expectAt(a.variable, a.declaredIn, i);
      if (want === 'unjudged') {
        result.unjudged++;
        return;
      }
      result.locations++;
      result.kinds[s.where.kind] = (result.kinds[s.where.kind] ?? 0) + 1;
      const got = JSON.stringify(s.where);
      if (!want || !want.ok) mismatches(result, `${label} ${t.name} at ${sites[i]!.address}: gdb says unusable (${want ? want.why : 'no listing'}), we say ${got}`);
      else if (JSON.stringify(want.where) !== got) mismatches(result, `${label} ${t.name} at ${sites[i]!.address}: gdb ${JSON.stringify(want.where)} | ours ${got}`);
    });
  }
  // A variable we refuse must be unusable for gdb too at one address at least.
  for (const u of r.placement.statement.unreadable) {
    const name = u.name.slice(1);
    const judged = sites.map((_, i) => expectAt(name, u.declaredIn, i));
    if (judged.some((j) => j === 'unjudged' || j === undefined)) {
      result.unjudged++;
      continue;
    }
    result.locations++;
    if (judged.every((j) => j !== 'unjudged' && j !== undefined && j.ok)) mismatches(result, `${label} ${u.name}: we refuse it (${u.why}) but gdb has it everywhere`);
  }
  void func;
}

function mismatches(result: StatementComparison, text: string): void {
  result.mismatches.push(text);
}
