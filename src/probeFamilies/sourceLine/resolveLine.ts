// FUNC@FILE:LINE through a program's DWARF, for the statement family
// (kernel.statement: vmlinux) and the ustatement probes of the uprobe
// family (process("PATH").statement: a user binary): every address where
// LINE starts inside FUNC, its inlined copies included, each named by the
// ELF symbol holding it plus an offset. `$name` are the variables DWARF
// knows at those addresses; a name is usable only where it can be reached
// at every one of them, and writable only where every location is a
// register or memory. What differs between kernel and user (how probes are
// spelled and placed, entry values, the kernel's kprobe refusals) is the
// LineProgram the family hands in.
import type { DwarfFunction, ScopeVariable } from '../../debuginfo/dwarf/dwarfInfo.js';
import type { FunctionSymbol, ProgramDebuginfo } from '../../debuginfo/programDebuginfo.js';
import { kernelFunctionSuggestions, orList } from '../../diagnostics/kernelFunctionHint.js';
import type { UnavailableTarget } from '../../expr/compileExpression.js';
import type { TargetVar } from '../../expr/ir.js';
import { isWritableLocation, scalarCType, type LocalAccess, type LocalSite } from '../../expr/localAccess.js';
import type { ProbeScope, ReadOnlyReason, ResolveError, WriteWarning } from '../types.js';
import { siteLocal, type SiteFrame } from './localLocation.js';
import { cfaInRegs, formatRegsAddress, registerName } from './ptRegs.js';
import { copyWarning, type CopyCheckContext } from './copyWarning.js';
import type { PlanStatement, StatementSite } from './types.js';

/** The program a line is resolved in, and what its family says about probes there. */
export interface LineProgram {
  dbg: ProgramDebuginfo;
  /** The program as messages name it: the kernel's release, a binary's path. */
  name: string;
  /** FUNC@FILE:LINE as a spec's on: writes it (`statement:...`, `ustatement:PATH:...`). */
  spell(func: string, file: string, line: number): string;
  /** Every function symbol's name, for "did you mean". */
  symbols(): Iterable<string>;
  /** The hint when no function of that name has lines in FILE (where the program's functions are listed). */
  listFunctions: string;
  /** What reads $return of FUNC (the hint at a line). */
  returnProbe(func: string): string;
  /** What a probe at an address is, for messages: `kprobe`, `uprobe`. */
  prober: string;
  /** Probes name their place by symbol (kprobes): a symbol several functions share cannot be placed. */
  placedBySymbol: boolean;
  /** Entry values (DW_OP_entry_value) can be captured by a probe at the function's entry. */
  entryValues: boolean;
}

export interface StatementPoint {
  func: string;
  file: string;
  /** The line; 0 (ANY_LINE) for every line of FUNC in FILE (`*`, user statements only). */
  line: number;
  /** The last line of a range `line-lastLine` (user statements only). */
  lastLine?: number;
}

const hex = (a: bigint | number): string => `0x${a.toString(16)}`;

/** `ksys_write+0x7b (0xffffffff813676fb)` */
export function siteLabel(s: StatementSite): string {
  return `${s.symbol}+${hex(s.offset)} (${s.address})`;
}

/** Whether a DWARF path names the file a spec wrote (a suffix of it, path components whole). */
export function sameFile(tablePath: string, query: string): boolean {
  const q = query.replace(/^\.\//, '');
  return tablePath === q || tablePath.endsWith(`/${q}`);
}

/** `627-629, 631-640, 643` */
export function lineRanges(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** The out-of-line function a symbol belongs to: `f.cold` is a part of `f`, entered through `f`. */
function entryFunctionOf(symbol: string): string {
  return symbol.replace(/\.cold(\.\d+)?$/, '');
}

function noCodeAtLine(program: LineProgram, fns: DwarfFunction[], point: StatementPoint, label: string): ResolveError {
  const { dbg, name: release } = program;
  const lines = fns.flatMap((f) => dbg.functionLines(f));
  const here = lines.filter((l) => sameFile(l.file, point.file)).map((l) => l.line);
  if (here.length === 0) {
    const files = [...new Set(lines.map((l) => l.file))];
    return {
      message: `${point.func} on ${release} has no code from ${point.file}`,
      hint: files.length ? `its lines come from ${files.join(', ')}` : `${point.func} has no line information`,
    };
  }
  const near = here.reduce((best, l) => (Math.abs(l - point.line) < Math.abs(best - point.line) ? l : best), here[0]!);
  return {
    message: `${label}: line ${point.line} has no code in ${point.func} on ${release} (optimised away, or not where a statement starts)`,
    hint: `lines of ${point.file} with code in ${point.func}: ${lineRanges(here)}; the nearest is ${program.spell(point.func, point.file, near)}`,
  };
}

/**
 * For a function the debug information lacks: the functions it may mean
 * (renames, longer names, a typo's nearest), each spelled at a line of
 * FILE where it has code (the line asked for if it has, else the nearest),
 * so every suggestion resolves.
 */
function unknownFunctionHint(program: LineProgram, point: StatementPoint): string {
  const { dbg } = program;
  const found = kernelFunctionSuggestions(point.func, program.symbols());
  const spelled: string[] = [];
  const moved: string[] = [];
  for (const name of found.names) {
    const here = dbg.findFunctions(name).flatMap((f) => dbg.functionLines(f)).filter((l) => sameFile(l.file, point.file)).map((l) => l.line);
    if (here.length === 0) continue;
    const line = here.includes(point.line) ? point.line : here.reduce((best, l) => (Math.abs(l - point.line) < Math.abs(best - point.line) ? l : best), here[0]!);
    spelled.push(program.spell(name, point.file, line));
    if (line !== point.line) moved.push(`${name} has code at lines ${lineRanges([...new Set(here)].sort((a, b) => a - b))}`);
  }
  if (spelled.length === 0) return `name the function whose body holds the line (SystemTap: FUNC@FILE:LINE); ${program.listFunctions}`;
  const notes = [found.why, moved.length ? `line ${point.line} has no code there: ${moved.join('; ')}` : undefined].filter(Boolean);
  return `did you mean ${orList(spelled)}?${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

interface Site {
  plan: StatementSite;
  frame: SiteFrame;
  /** Variables by name, innermost scope first (C's shadowing). */
  variables: Map<string, ScopeVariable>;
}

function placeSites(program: LineProgram, fns: DwarfFunction[], point: StatementPoint, label: string): Site[] | ResolveError {
  const { dbg } = program;
  const addresses = new Map<bigint, ReturnType<ProgramDebuginfo['lineAddresses']>[number]>();
  for (const f of fns) for (const a of dbg.lineAddresses(f, point.file, point.line)) if (!addresses.has(a.address)) addresses.set(a.address, a);
  const sites: Site[] = [];
  for (const a of [...addresses.values()].sort((x, y) => (x.address < y.address ? -1 : 1))) {
    const symbol: FunctionSymbol | undefined = dbg.functionSymbolAt(a.address);
    if (!symbol) return { message: `${label}: address ${hex(a.address)} lies in no function symbol of ${dbg.path}, so no ${program.prober} can name it` };
    if (symbol.ambiguous && program.placedBySymbol) {
      return {
        message: `${label}: address ${hex(a.address)} is in ${symbol.name}, a name several kernel functions share; a kprobe names its place by symbol, so guru cannot place this one`,
        hint: 'probe a line of a function with a unique name',
      };
    }
    const refused = dbg.kprobeRefusal(symbol, a.address);
    if (refused) return { message: `${label}: address ${hex(a.address)} cannot be probed: ${refused}`, hint: 'probe a caller of it instead' };
    const entryName = entryFunctionOf(symbol.name);
    const entry = entryName === symbol.name ? symbol : dbg.functionSymbol(entryName);
    const plan: StatementSite = {
      address: hex(a.address),
      symbol: symbol.name,
      offset: Number(a.address - symbol.address),
      file: a.file,
      line: a.line,
      function: a.function,
      inlined: a.inlined,
    };
    const cfa = cfaInRegs(dbg.cfaAt(a.address));
    if (cfa) plan.cfa = cfa;
    // Names mean FUNC's variables first (innermost block first, as in C):
    // probing ksys_write@include/linux/file.h:82, inside an inlined fdput(fd),
    // $fd is ksys_write's fd, not fdput's. Then functions inlined into FUNC at
    // that point, then (where FUNC itself was inlined) its callers.
    const all = dbg.variablesAt(a.address);
    const variables = new Map<string, ScopeVariable>();
    for (const v of [...all.filter((x) => x.function === point.func), ...all.filter((x) => x.function !== point.func)]) {
      if (!variables.has(v.name)) variables.set(v.name, v);
    }
    sites.push({ plan, frame: { cfa, entryFunction: entryName, entryCfa: entry ? cfaInRegs(dbg.cfaAt(entry.address)) : undefined, handler: `${program.prober} handler`, entryValues: program.entryValues }, variables });
  }
  return sites;
}

/** Locals at every site, or why a name cannot be used. */
function localTargets(sites: Site[], label: string, targets: Map<string, TargetVar>, unavailable: Map<string, UnavailableTarget>): PlanStatement['unreadable'] {
  const unreadable: PlanStatement['unreadable'] = [];
  const refuse = (t: string, declaredIn: string, u: UnavailableTarget): void => {
    unavailable.set(t, u);
    unreadable.push({ name: t, declaredIn, why: u.message });
  };
  const names = [...new Set(sites.flatMap((s) => [...s.variables.keys()]))].filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  for (const name of names) {
    const found = sites.map((s) => s.variables.get(name));
    const first = found.find((v): v is ScopeVariable => v !== undefined)!;
    const t = `$${name}`;
    if (!first.scalar) {
      refuse(t, first.function, { message: `${t} (in ${first.function}) is a ${first.cType}; only integers and pointers can be read`, hint: 'member access on statement-probe locals is not supported yet; a kprobe on a function that takes it by pointer reads its members ($f->member)' });
      continue;
    }
    // Reasons by text, each with the addresses it applies to.
    const problems = new Map<string, string[]>();
    const problem = (site: Site, why: string): void => {
      problems.set(why, [...(problems.get(why) ?? []), siteLabel(site.plan)]);
    };
    const good: string[] = [];
    const located: LocalSite[] = [];
    found.forEach((v, i) => {
      const site = sites[i]!;
      if (!v) return problem(site, `no variable ${name} is in scope`);
      if (v.cType !== first.cType || v.scalar?.kind !== first.scalar?.kind || v.scalar?.bytes !== first.scalar?.bytes) {
        return problem(site, `${name} is another variable (${v.cType} in ${v.function}, not ${first.cType} in ${first.function})`);
      }
      const r = siteLocal(v, site.frame);
      if (!r.ok) return problem(site, r.why);
      located.push({ where: r.where, dwarf: v.expression });
      good.push(siteLabel(site.plan));
    });
    if (problems.size > 0) {
      const whole = sites.length === 1 ? `at ${label}` : `at every address of ${label}`;
      const why = [...problems.entries()].map(([text, at]) => `at ${at.join(', ')} ${text}`).join('; ');
      refuse(t, first.function, {
        message: `${t} cannot be read ${whole}: ${why}`,
        hint: good.length ? `it is readable at ${good.join(', ')}; \`guru check\` shows each address of a line and where its variables are` : 'pick another line, or read it where it is computed',
      });
      continue;
    }
    const access: LocalAccess = { kind: 'local', variable: name, declaredType: first.cType, declaredIn: first.function, scalar: first.scalar, sites: located };
    targets.set(t, { name: t, ctype: scalarCType(first.scalar), access, writable: located.every((l) => isWritableLocation(l.where)) });
  }
  return unreadable;
}

/** Writable locals whose write may miss a copy the compiler already made (copyWarning.ts). */
function copyWarnings(targets: Map<string, TargetVar>, sites: Site[], program: LineProgram, fns: DwarfFunction[], point: StatementPoint, label: string): Map<string, WriteWarning> {
  const { dbg } = program;
  const out = new Map<string, WriteWarning>();
  if (!dbg.disassemble) return out;
  // Other files of FUNC's line table are spelled relative to the same source root as point.file.
  const spell = (file: string, line: number): string => {
    if (sameFile(file, point.file)) return program.spell(point.func, point.file, line);
    const anyHere = fns.flatMap((f) => dbg.functionLines(f)).find((l) => sameFile(l.file, point.file))?.file;
    const root = anyHere ? anyHere.slice(0, anyHere.length - point.file.replace(/^\.\//, '').length) : '';
    return program.spell(point.func, root && file.startsWith(root) ? file.slice(root.length) : file, line);
  };
  const ctx: CopyCheckContext = {
    instructions: (from, to) => dbg.disassemble!(from, to),
    addressLabel: (a) => {
      const sym = dbg.functionSymbolAt(a);
      return sym ? `${sym.name}+0x${(a - sym.address).toString(16)}` : `0x${a.toString(16)}`;
    },
    lines: fns.flatMap((f) => dbg.functionLines(f)).map((l) => ({ point: spell(l.file, l.line), addresses: l.addresses })),
  };
  for (const t of targets.values()) {
    if (!t.writable || t.access.kind !== 'local') continue;
    const name = t.access.variable;
    const checked = sites.flatMap((s) => {
      const variable = s.variables.get(name);
      return variable ? [{ address: BigInt(s.plan.address), label: siteLabel(s.plan), variable }] : [];
    });
    const warning = copyWarning(t.name, label, checked, ctx);
    if (warning) out.set(t.name, warning);
  }
  return out;
}

/** Why $NAME cannot be written here, and the lines of FUNC where it can. */
function readOnlyLocal(t: TargetVar, sites: Site[], dbg: ProgramDebuginfo, fns: DwarfFunction[], point: StatementPoint, label: string): ReadOnlyReason {
  if (t.access.kind !== 'local') return { message: `cannot write ${t.name} at ${label}` };
  const name = t.access.variable;
  // Reasons by text, each with the addresses it applies to.
  const reasons = new Map<string, string[]>();
  t.access.sites.forEach((s, i) => {
    if (isWritableLocation(s.where)) return;
    const text = describeReadOnly(s.where);
    reasons.set(text, [...(reasons.get(text) ?? []), siteLabel(sites[i]!.plan)]);
  });
  const why = [...reasons.entries()].map(([text, at]) => `at ${at.join(', ')} it is ${text}`);
  // Lines of FUNC where every address has this very variable in a register or memory.
  const variable = sites.map((s) => s.variables.get(name)).find((v) => v !== undefined)!;
  const writableAt = (a: bigint): boolean =>
    variable.locations.some((l) => (l.low === undefined || (a >= l.low && a < l.high!)) && (l.location.kind === 'memory' || l.location.kind === 'static' || (l.location.kind === 'register' && l.location.dwarfReg !== 7 && l.location.dwarfReg !== 16)));
  const lines = fns
    .flatMap((f) => dbg.functionLines(f))
    .filter((l) => l.addresses.every(writableAt))
    .map((l) => (sameFile(l.file, point.file) ? `${point.file}:${l.line}` : `${l.file.split('/').pop()}:${l.line}`));
  const unique = [...new Set(lines)];
  return {
    message: `cannot write ${t.name} at ${label}: ${why.join('; ')}`,
    hint: unique.length
      ? `${t.name} is in a register or memory at every address of ${unique.slice(0, 12).join(', ')}${unique.length > 12 ? ', ...' : ''}: write it at one of those lines`
      : `${t.name} is never in a register or memory for a whole line of ${point.func}`,
  };
}

function describeReadOnly(l: LocalSite['where']): string {
  switch (l.kind) {
    case 'constant':
      return `the constant ${l.value}, known at compile time`;
    case 'entry':
      return `the value ${registerName(l.reg)} had on entry to ${l.function}, not a place that can be written`;
    case 'address':
      return `an address computed from registers (${formatRegsAddress(l.at)}), not a place that can be written`;
    case 'register':
      return `in ${l.reg === 'sp' ? 'rsp' : 'rip'}, which a probe must not change`;
    default:
      return 'not writable';
  }
}

/**
 * What `guru list 'statement:FUNC@FILE:*'` walks: every line of FUNC's own
 * body in FILE (from its declaration to its last line with code), plus the
 * lines of functions inlined into it that have code; ascending. Each is
 * then resolved like a spec's probe, so lines without code get their
 * reason. Undefined when FUNC is not in the debug information.
 */
export function sourceLinesOf(dbg: ProgramDebuginfo, func: string, file: string): number[] | undefined {
  const fns = dbg.findFunctions(func);
  if (fns.length === 0) return undefined;
  const withCode = new Set(fns.flatMap((f) => dbg.functionLines(f)).filter((l) => sameFile(l.file, file)).map((l) => l.line));
  const decl = fns.map((f) => (f.declFile && sameFile(f.declFile, file) ? f.declLine : undefined)).find((l) => l !== undefined);
  const last = Math.max(...withCode);
  const body = decl !== undefined && decl <= last ? Array.from({ length: last - decl + 1 }, (_, i) => decl + i) : [];
  return [...new Set([...withCode, ...body])].sort((a, b) => a - b);
}

/** What a line resolves to: the scope a spec sees there and the plan's part. */
export type LineResolution = Omit<ProbeScope, 'writesRefused' | 'unknownTargetNote' | 'btfModule'> & { statement: PlanStatement };

export function resolveLine(point: StatementPoint, program: LineProgram, label: string): LineResolution | ResolveError {
  const { dbg } = program;
  const fns = dbg.findFunctions(point.func);
  if (fns.length === 0) {
    return {
      message: `no function ${point.func} in the debug information of ${program.name}${dbg.path === program.name ? '' : ` (${dbg.path})`}`,
      hint: unknownFunctionHint(program, point),
    };
  }
  const many = point.line === 0 || point.lastLine !== undefined;
  const wanted = point.line === 0 ? (sourceLinesOf(dbg, point.func, point.file) ?? []) : point.lastLine !== undefined ? Array.from({ length: point.lastLine - point.line + 1 }, (_, i) => point.line + i) : [point.line];
  // Every line of a range (or of `*`) that has code; the others are skipped.
  const sites: Site[] = [];
  const lines: number[] = [];
  for (const line of wanted) {
    const here = placeSites(program, fns, { ...point, line }, label);
    if (!Array.isArray(here)) return here;
    const fresh = here.filter((h) => !sites.some((s) => s.plan.address === h.plan.address));
    if (fresh.length) lines.push(line);
    sites.push(...fresh);
  }
  if (sites.length === 0 && !many) return noCodeAtLine(program, fns, point, label);
  if (sites.length === 0) {
    const here = [...new Set(fns.flatMap((f) => dbg.functionLines(f)).filter((l) => sameFile(l.file, point.file)).map((l) => l.line))];
    return {
      message: `${label}: no line ${point.line === 0 ? '' : `of ${point.line}-${point.lastLine} `}has code in ${point.func} of ${point.file}`,
      hint: here.length ? `lines of ${point.file} with code in ${point.func}: ${lineRanges(here)}` : `${point.func} has no code from ${point.file}`,
    };
  }

  const targets = new Map<string, TargetVar>();
  const unavailable = new Map<string, UnavailableTarget>();
  const unreadable = localTargets(sites, label, targets, unavailable);
  unavailable.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use ${program.returnProbe(point.func)}` });
  const readOnly = new Map<string, ReadOnlyReason>();
  for (const t of targets.values()) if (!t.writable) readOnly.set(t.name, readOnlyLocal(t, sites, dbg, fns, point, label));
  // A write is checked for one line (where the value lives, what copies the compiler made before it): several lines are read-only.
  if (many && lines.length > 1) {
    for (const t of targets.values()) {
      if (!t.writable) continue;
      targets.set(t.name, { ...t, writable: false });
      readOnly.set(t.name, { message: `cannot write ${t.name} at ${label}: a probe on several lines (${lineRanges(lines)}) only reads`, hint: `write it at one line: ${program.spell(point.func, point.file, lines[0]!)}` });
    }
  }
  return {
    targets,
    unavailableTargets: unavailable,
    readOnly,
    writeWarnings: copyWarnings(targets, sites, program, fns, { ...point, line: lines[0]! }, label),
    statement: {
      func: point.func,
      file: point.file,
      line: lines[0]!,
      ...(many ? { lines } : {}),
      debuginfo: dbg.buildId ? { path: dbg.path, buildId: dbg.buildId } : { path: dbg.path },
      sites: sites.map((s) => s.plan),
      unreadable,
    },
  };
}
