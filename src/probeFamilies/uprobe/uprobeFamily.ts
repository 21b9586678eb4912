// The uprobe family: `uprobe:PATH:FUNC` and `uretprobe:PATH:FUNC`
// (SystemTap `process("PATH").function("FUNC")[.call|.return]`, bpftrace
// `u:`/`ur:`). A handler at a user function's entry or return, in every
// process that runs the binary (a library: every process that maps it).
// FUNC comes from the binary's ELF symbols (.symtab, else .dynsym), so
// stripped binaries work too. Where the binary's DWARF (its own, or a debug
// file by build-id: userDebuginfo.ts) has the function's prototype, the
// arguments have their names and types (entryArguments.ts); otherwise they
// are positional: `$arg1..$arg6`, the x86-64 System V argument registers
// (a Go function's: `$arg1..$arg9`, Go's register ABI), readable and
// writable at entry; `$return` (rax) readable and writable at return. User statements (`ustatement:PATH:FUNC@FILE:LINE`,
// userStatement.ts) are uprobes too, one per address of the line, their
// locals from DWARF. The kernel side is kmod/guru_uprobe.c;
// templates/partials/uprobe.hbs hands each hit to the spec's probes on that
// place in spec order.
import { nearestName } from '../../diagnostics/nearestName.js';
import { UserError } from '../../errors.js';
import { DebugInfoError } from '../../debuginfo/debugInfoError.js';
import type { TargetVar } from '../../expr/ir.js';
import { ARG_REGISTERS } from '../../kernelFacts/kernelFunctionSignature.js';
import { slug } from '../kernelFunction.js';
import { globToRegExp } from '../kprobeFunctions.js';
import { ANY_LINE, type ListedTarget, type ListEntry, type ProbeCommon, type ProbeFamily, type ProbeScope, type Resolution, type ResolveError, type ResolveOptions } from '../types.js';
import { entryTargets, GO_ARG_REGISTERS } from './entryArguments.js';
import { findUserBinary } from './findUserBinary.js';
import { goProbeSites } from './goProbeSites.js';
import { describeStatement } from '../sourceLine/describeStatement.js';
import { lineRanges } from '../sourceLine/resolveLine.js';
import { listSourceLines } from '../sourceLine/listLines.js';
import { localAccessors } from '../sourceLine/localAccessors.js';
import type { UprobePlacement, UprobeSite, UserStatementPlacement } from './types.js';
import { uprobeSpelling, type UserPoint } from './spelling.js';
import { EXPECT_BYTES, resolveUserStatement, resolveUserStatementIn, spellUserStatement, userStatementLines, withUserProgram } from './userStatement.js';
import { BUILD_ID_DEBUG_DIR, buildIdDebugPath, openUserDebuginfo, type UserDebuginfo } from './userDebuginfo.js';
import { debugPackageHint, dpkgHostPackages, type HostPackages } from '../../debuginfo/debugPackages.js';
import { isGoFunction, readUserBinary, type UserBinary, type UserFunction } from './userFunctions.js';

/** What a register holds, untyped: the binary's symbols say nothing of types. */
const REGISTER_CTYPE = 'long';

type BinaryOrError = { binary: UserBinary } | ResolveError;

function openBinary(spec: string): BinaryOrError {
  const found = findUserBinary(spec);
  if ('message' in found) return found;
  try {
    return { binary: readUserBinary(found.path) };
  } catch (err) {
    if (err instanceof DebugInfoError || (err as NodeJS.ErrnoException).code) return { message: `cannot read ${found.path}: ${(err as Error).message}`, hint: 'name an x86-64 ELF executable or shared library' };
    throw err;
  }
}

function spell(ret: boolean, path: string, func: string): string {
  return `${ret ? 'uretprobe' : 'uprobe'}:${path}:${func}`;
}

/** The function FUNC of BINARY, or why it cannot be probed (with the nearest names). */
function findFunction(binary: UserBinary, func: string, ret: boolean, pathAsWritten: string, host: HostPackages): UserFunction | ResolveError {
  const places = binary.functions.get(func);
  if (places?.length === 1) return places[0]!;
  if (places && places.length > 1) {
    return {
      message: `${func} names ${places.length} functions in ${binary.path} (at ${places.map((f) => `0x${f.address.toString(16)}`).join(', ')}): local functions of one name in several files`,
      hint: 'probing one of them by its address is not supported yet',
    };
  }
  if (binary.ifuncs.has(func)) {
    return {
      message: `${func} in ${binary.path} is an IFUNC: its symbol is the resolver that picks an implementation when the library is loaded, not a function that is called`,
      hint: `probe the implementation the resolver picks (guru list '${spell(ret, pathAsWritten, `*${func}*`)}')`,
    };
  }
  const near = nearestName(func, binary.functions.keys());
  if (!binary.fullSymbols) {
    // Stripped, and no debug file by build-id: its static functions (glibc's _int_malloc) are named only in the debug file.
    const debugFile = binary.buildId ? buildIdDebugPath(binary.buildId) : undefined;
    const exported = binary.functions.size ? `: its symbols are its exported functions (.dynsym${near ? `; the nearest is ${near}` : ''})` : ' and exports no function (.dynsym): no name is left';
    return {
      message: `no function ${func} in ${binary.path}: it is stripped${exported}; a static function is named only by its full symbol table, in its debug file${debugFile ? ` (${debugFile}, not there)` : ' (it has no build-id to find one by)'}`,
      hint: debugPackageHint(binary.path, debugFile, host),
    };
  }
  if (binary.functions.size === 0) {
    return { message: `${binary.path} has no function symbols (.symtab and .dynsym are empty or stripped)`, hint: 'probe a binary built with symbols, or a library function it calls' };
  }
  return {
    message: `no function ${func} in ${binary.path}`,
    hint: near ? `did you mean ${spell(ret, pathAsWritten, near)}?` : `guru list '${spell(ret, pathAsWritten, '*')}' lists its functions`,
  };
}

type UserScope = ProbeScope & { listed: ListedTarget[]; note?: string; declaration?: string };

/**
 * How positional arguments are passed where no prototype says: System V's
 * (`$arg1..$arg6` in rdi, rsi, rdx, rcx, r8, r9), Go's register ABI
 * (`$arg1..$arg9` in rax, rbx, rcx, rdi, rsi, r8-r11: integer-class
 * registers only), or not known (WHY).
 */
export type PositionalAbi = 'sysv' | 'go' | { why: string };

/** The ABI of FNS, functions of BINARY, as one handler on all of them sees it. */
function positionalAbi(binary: UserBinary, fns: readonly UserFunction[]): PositionalAbi {
  const go = fns.filter((fn) => isGoFunction(binary, fn));
  if (go.length === 0) return 'sysv';
  if (go.length < fns.length) {
    const c = fns.find((fn) => !isGoFunction(binary, fn))!;
    return { why: `the pattern matches Go functions (${go[0]!.name}) and C functions cgo compiled in (${c.name}), which take their arguments in different registers` };
  }
  if (binary.goTable?.registerAbi === undefined && binary.goTable) {
    return { why: `${binary.path} is built by Go 1.16 or 1.17 (its function table says no more), and only 1.17 passes arguments in registers: guru cannot tell where they are without its DWARF` };
  }
  return 'go';
}

/** The positional scope: `$arg1..$argN` at entry, `$return` at return, untyped, in ABI's registers; WHY says why there are no names. */
function positionalScope(func: string, ret: boolean, pathAsWritten: string, label: string, why: string, abi: PositionalAbi = 'sysv'): UserScope {
  const scope: ProbeScope = { targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map() };
  const listed: ListedTarget[] = [];
  const entry = spell(false, pathAsWritten, func);
  const go = abi === 'go';
  const count = go ? GO_ARG_REGISTERS.length : ARG_REGISTERS.length;
  for (let i = 0; i < count; i++) {
    const name = `$arg${i + 1}`;
    if (typeof abi === 'object') {
      scope.unavailableTargets.set(name, { message: `${name} is not known at ${label}: ${abi.why}`, hint: `probe the functions one at a time, or build the binary with its DWARF` });
      continue;
    }
    if (ret) {
      scope.unavailableTargets.set(name, {
        message: go
          ? `${name} is not known at ${label}: at a Go function's ret its argument registers hold its results`
          : `${name} is not known at ${label}: at return the argument registers hold whatever ${func} left in them`,
        hint: `read it at ${entry} (and keep it in a thread var for the return)`,
      });
      continue;
    }
    const t: TargetVar = { name, ctype: REGISTER_CTYPE, access: { kind: 'c', c: go ? `GURU_GO_ARG(${i})` : `GURU_USER_ARG(${i})` }, writable: true };
    scope.targets.set(name, t);
    listed.push({ name, ctype: REGISTER_CTYPE, writable: true });
  }
  if (ret) {
    // Go's first integer result comes back in rax, as a C function's does.
    scope.targets.set('$return', { name: '$return', ctype: REGISTER_CTYPE, access: { kind: 'returnValue' }, writable: true });
    listed.push({ name: '$return', ctype: REGISTER_CTYPE, writable: true });
  } else {
    scope.unavailableTargets.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use ${spell(true, pathAsWritten, func)}` });
  }
  const how = go ? `${why}; a Go function: $arg1..$arg9 are Go's integer argument registers (rax, rbx, rcx, rdi, rsi, r8-r11), $return is rax (its first result)` : why;
  return { ...scope, unknownTargetNote: `arguments are positional here: ${how}`, note: `arguments are positional: ${how}`, listed };
}

/**
 * What a spec sees at a uprobe (entry) or uretprobe (return) on FN: its
 * arguments by name and type where DEBUG has its prototype
 * (entryArguments.ts), else the argument registers or rax, positional.
 */
function userScope(binary: UserBinary, debug: UserDebuginfo, fn: UserFunction, ret: boolean, pathAsWritten: string, label: string): UserScope {
  const abi = positionalAbi(binary, [fn]);
  if ('why' in debug) return positionalScope(fn.name, ret, pathAsWritten, label, `${debug.why}; ${debug.hint}`, abi);
  const proto = debug.dwarf.prototypeAt(fn.address);
  if (!proto) return positionalScope(fn.name, ret, pathAsWritten, label, `the DWARF of ${debug.path} does not describe ${fn.name} (0x${fn.address.toString(16)}): its file was built without -g`, abi);
  const typed = entryTargets(proto, ret, label, spell(false, pathAsWritten, fn.name), spell(true, pathAsWritten, fn.name));
  const at = proto.declFile ? ` (${proto.declFile}${proto.declLine ? `:${proto.declLine}` : ''})` : '';
  return {
    targets: typed.targets,
    unavailableTargets: typed.unavailableTargets,
    readOnly: new Map(),
    writeWarnings: new Map(),
    unknownTargetNote: `the arguments of ${proto.name} are its DWARF prototype's: ${proto.declaration}${at}`,
    declaration: proto.declaration,
    listed: typed.listed,
  };
}

/** The debug information of BINARY (userDebuginfo.ts), for the duration of USE. */
function withDebuginfo<T>(binary: UserBinary, host: HostPackages, use: (debug: UserDebuginfo) => T): T {
  const debug = openUserDebuginfo(binary.path, binary.buildId, BUILD_ID_DEBUG_DIR, host);
  try {
    return use(debug);
  } finally {
    if ('dwarf' in debug) debug.dwarf.close();
  }
}

function siteOf(binary: UserBinary, fn: UserFunction): UprobeSite {
  return { func: fn.name, address: `0x${fn.address.toString(16)}`, offset: fn.fileOffset, expect: binary.bytesAt(fn.fileOffset, EXPECT_BYTES).toString('hex') };
}

function placementOf(binary: UserBinary, func: string, ret: boolean, sites: UprobeSite[]): UprobePlacement {
  return { kind: ret ? 'uretprobe' : 'uprobe', path: binary.path, func, sites, pie: binary.pie, ...(binary.buildId ? { buildId: binary.buildId } : {}) };
}

/**
 * The sites of a probe on FN: its first instruction; in a Go binary
 * (goProbeSites.ts) its ret instructions for a return probe (no
 * uretprobe: Go's runtime dies on one), or why it cannot have one, and
 * its entry past the stack-check prologue for an entry probe.
 */
function sitesOf(binary: UserBinary, fn: UserFunction, ret: boolean): UprobeSite[] | ResolveError {
  if (!isGoFunction(binary, fn)) return [siteOf(binary, fn)];
  const found = goProbeSites(binary, [fn], ret);
  if (!Array.isArray(found)) return found;
  const one = found[0]!;
  return 'sites' in one ? one.sites : one;
}

/** Most refused matches of a wildcard a refusal names one by one. */
const REFUSALS_SHOWN = 6;

/** The sites of a probe on every function of MATCHED, or why one of them cannot be probed (a Go return probe on a function without a ret, ...). */
function sitesOfAll(binary: UserBinary, matched: UserFunction[], ret: boolean, label: string): UprobeSite[] | ResolveError {
  // Go's functions by goProbeSites; C functions cgo compiled into a Go binary as in any binary.
  const goFns = matched.filter((fn) => isGoFunction(binary, fn));
  if (goFns.length === 0) return matched.map((fn) => siteOf(binary, fn));
  const goFound = goProbeSites(binary, goFns, ret);
  if (!Array.isArray(goFound)) return goFound;
  const byFn = new Map(goFns.map((fn, i) => [fn, goFound[i]!]));
  const found = matched.map((fn) => byFn.get(fn) ?? { sites: [siteOf(binary, fn)] });
  const refused = found.flatMap((r, i) => ('message' in r ? [{ fn: matched[i]!, r }] : []));
  if (refused.length === 0) return found.flatMap((r) => ('sites' in r ? r.sites : []));
  // The family has no per-match refusals (a uprobe wildcard is one handler on all its places, registered all or nothing): the whole probe is refused, naming each match that cannot be probed.
  const shown = refused.slice(0, REFUSALS_SHOWN).map(({ r }) => r.message);
  return {
    message: `${label}: ${refused.length} of its ${matched.length} matches cannot have a Go return probe, so the probe is refused (${refused.map(({ fn }) => fn.name).slice(0, 20).join(', ')}${refused.length > 20 ? ', ...' : ''}): ${shown.join('; ')}${refused.length > shown.length ? `; and ${refused.length - shown.length} more` : ''}`,
    hint: `narrow the pattern to leave them out; ${refused[0]!.r.hint ?? ''}`,
  };
}

/**
 * `uprobe:PATH:*trace*`: every function of the binary the pattern matches
 * (each place of a name that has several), read-only, with one handler for
 * all of them; `func` names the one that was hit.
 */
function resolveWildcard(binary: UserBinary, point: { path: string; func: string; ret: boolean }, label: string, options: ResolveOptions): Resolution<UprobePlacement> | ResolveError {
  const re = globToRegExp(point.func);
  const matched = [...binary.functions.keys()].filter((n) => re.test(n)).sort().flatMap((n) => binary.functions.get(n)!);
  if (matched.length === 0) return { message: `${label} matches no function of ${binary.path}`, hint: `guru list '${spell(point.ret, point.path, '*')}' lists them` };
  return resolveMatches(binary, point, label, options, matched);
}

/** A read-only probe with one handler on every function of MATCHED. */
function resolveMatches(binary: UserBinary, point: { path: string; func: string; ret: boolean; file?: string }, label: string, options: ResolveOptions, matched: UserFunction[]): Resolution<UprobePlacement> | ResolveError {
  if (matched.length > options.probeBudget) {
    return { message: `${label} matches ${matched.length} functions, more than the ${options.probeBudget} probes --max-probes leaves this spec`, hint: 'narrow the pattern, or raise the cap: --max-probes N' };
  }
  // Each match has its own prototype; one handler for all of them sees what they share: the registers (Go's in a Go function).
  const scope = positionalScope(point.func, point.ret, point.path, label, 'a pattern matches functions of different prototypes', positionalAbi(binary, matched));
  const targets = new Map([...scope.targets].map(([name, t]) => [name, { ...t, writable: false }]));
  const func = point.file === undefined ? point.func : `${point.func}@${point.file}`;
  const sites = sitesOfAll(binary, matched, point.ret, label);
  if (!Array.isArray(sites)) return sites;
  return { ...scope, targets, writesRefused: 'writes are refused on wildcard probes', placement: placementOf(binary, func, point.ret, sites) };
}

/** Whether DECL (a DWARF file path) is the file PATTERN names: the whole path, or its last components, `*` matching anything (`/` too). */
export function fileMatches(decl: string, pattern: string): boolean {
  const re = globToRegExp(pattern.replace(/^\.\//, ''));
  if (re.test(decl)) return true;
  for (let i = decl.indexOf('/'); i >= 0; i = decl.indexOf('/', i + 1)) if (re.test(decl.slice(i + 1))) return true;
  return false;
}

// SystemTap's source-file filter (`function("*@trace.c")`, or a path
// alone: `function("*/code/talk/trace.c")`): the functions FUNC matches
// whose DWARF declaration is in a file FILE names. A name without `*` that
// leaves one function is a probe on it (typed); otherwise a pattern.
function resolveInFile(binary: UserBinary, point: { path: string; func: string; ret: boolean; file: string }, label: string, options: ResolveOptions, host: HostPackages): Resolution<UprobePlacement> | ResolveError {
  const re = globToRegExp(point.func);
  const candidates = [...binary.functions.keys()].filter((n) => re.test(n)).sort().flatMap((n) => binary.functions.get(n)!);
  const debug = openUserDebuginfo(binary.path, binary.buildId, BUILD_ID_DEBUG_DIR, host);
  if ('why' in debug) return { message: `${label}: a source file filter (@${point.file}) needs the binary's DWARF: ${debug.why}`, hint: debug.hint };
  let matched: UserFunction[];
  const files = new Set<string>();
  try {
    matched = candidates.filter((fn) => {
      const decl = debug.dwarf.prototypeAt(fn.address)?.declFile;
      if (decl) files.add(decl);
      return decl !== undefined && fileMatches(decl, point.file);
    });
  } finally {
    debug.dwarf.close();
  }
  if (matched.length === 0) {
    const near = nearestName(point.file, [...files].map((f) => f.split('/').pop()!));
    return {
      message: `${label}: no function ${point.func === '*' ? '' : `matching ${point.func} `}of ${binary.path} is declared in a file ${point.file} names`,
      hint: files.size ? `its functions are declared in ${[...files].sort().slice(0, 6).join(', ')}${files.size > 6 ? ', ...' : ''}${near ? ` (did you mean @${near}?)` : ''}` : `the DWARF of ${binary.path} declares none of them`,
    };
  }
  if (!point.func.includes('*') && matched.length === 1) {
    const fn = matched[0]!;
    const sites = sitesOf(binary, fn, point.ret);
    if (!Array.isArray(sites)) return sites;
    return { ...withDebuginfo(binary, host, (d) => userScope(binary, d, fn, point.ret, point.path, label)), placement: placementOf(binary, fn.name, point.ret, sites) };
  }
  return resolveMatches(binary, point, label, options, matched);
}

function resolveUprobe(point: { path: string; func: string; ret: boolean; file?: string }, label: string, options: ResolveOptions, host: HostPackages): Resolution<UprobePlacement> | ResolveError {
  const opened = openBinary(point.path);
  if ('message' in opened) return opened;
  const { binary } = opened;
  if (point.file !== undefined) return resolveInFile(binary, { ...point, file: point.file }, label, options, host);
  if (point.func.includes('*')) return resolveWildcard(binary, point, label, options);
  const fn = findFunction(binary, point.func, point.ret, point.path, host);
  if ('message' in fn) return fn;
  const sites = sitesOf(binary, fn, point.ret);
  if (!Array.isArray(sites)) return sites;
  return { ...withDebuginfo(binary, host, (debug) => userScope(binary, debug, fn, point.ret, point.path, label)), placement: placementOf(binary, fn.name, point.ret, sites) };
}

/** C initializer bytes of a hex string: `0xf3, 0x0f, ...`. */
function cBytes(h: string): string {
  return (h.match(/../g) ?? []).map((b) => `0x${b}`).join(', ');
}

/** A probe on one named function (not a pattern): one site, or a Go return probe's rets of that function. */
function isSingle(p: UprobePlacement): boolean {
  return p.sites.length > 0 && p.sites.every((s) => s.func === p.func);
}

/** Where a single probe's sites are, for guru check: the function's, or a Go function's rets or body. */
function singleWhere(p: UprobePlacement): string {
  const s = p.sites[0]!;
  const pie = p.pie ? ', PIE' : '';
  if (s.go === 'ret') {
    const rets = p.sites.map((r) => `${r.address} (file offset 0x${r.offset.toString(16)})`).join(', ');
    return ` on ${p.path}:${p.func} (a Go function: uprobes on its ${p.sites.length === 1 ? 'ret' : `${p.sites.length} rets`}, ${rets}, no uretprobe${pie})`;
  }
  if (s.go === 'body') return ` on ${p.path}:${p.func} (a Go function: ${s.address} past its stack-check prologue, file offset 0x${s.offset.toString(16)}${pie})`;
  return ` on ${p.path}:${p.func} (${s.address}, file offset 0x${s.offset.toString(16)}${pie})`;
}

type UserProbe = ProbeCommon & (UprobePlacement | UserStatementPlacement);

/** `ustatement:PATH:FUNC@FILE:LINE` for guru check. */
function statementWhere(p: UserStatementPlacement): string {
  const st = p.statement;
  return ` on ${p.path}:${st.func}@${st.file}:${st.lines ? `${lineRanges(st.lines)}` : st.line} (${p.sites.length} address${p.sites.length === 1 ? '' : 'es'}${p.pie ? ', PIE' : ''})`;
}

export const uprobeFamily: ProbeFamily<UprobePlacement | UserStatementPlacement, UserPoint> = {
  spellings: uprobeSpelling,
  name: 'uprobe',
  spelling: 'uprobe, uretprobe, ustatement',
  kinds: ['uprobe', 'uretprobe', 'ustatement'],
  points: ['uprobe', 'ustatement'],
  context: 'task',
  runtime: ['guru_uprobe.c', 'guru_uprobe.h'],
  // kmod/guru_uprobe.c: the file at the path does not hold the bytes guru read at the offset (-ESTALE).
  insmodRefusals: [{ error: 'Stale file handle', hint: 'a probed user binary is not the file the module was built against (dmesg names it): rebuild the module where the probed programs run' }],
  // Handlers run from the program's breakpoint trap (int3, or the uretprobe trampoline): the kernel stack is that path alone.
  kernelStackRefused: {
    message: "is the kernel stack, and a uprobe's handler runs from the probed program's breakpoint trap: that stack holds only the trap's path (the int3 handler), never the program's calls",
    hint: 'the program\'s calls are its user stack: ustack, print_ubacktrace() or ubacktrace(); func names the probed function, and probes on its callers show who called it (process("PATH").function("*").call and .return: the call flow)',
  },
  // A uprobe per site: every match of a wildcard, every ret of a Go function, every address of a line.
  kernelProbeCount: (placement) => placement.sites.length,
  // At a function's entry (a Go function's too: its probe sits after the stack check, before anything is pushed) the word at the user stack pointer is the return address.
  callerAt: (p) =>
    p.kind === 'ustatement'
      ? { message: `a user statement is inside ${p.statement.func}, whose frame is on the stack there: the word at the stack pointer is not its return address`, hint: `read it at uprobe:${p.path}:${p.statement.func}, the function's entry (and keep it in a thread var)` }
      : p.kind === 'uprobe'
      ? { space: 'user' }
      : { message: 'at a return the function\'s frame is gone: the stack pointer is past its return address (a uretprobe replaces it with its trampoline)', hint: `read it at uprobe:${p.path}:${p.func}, the entry (and keep it in a thread var for the return)` },
  resolve: (point, facts, label, options) => {
    const host = facts.hostPackages ?? dpkgHostPackages;
    if (point.kind === 'uprobe') return resolveUprobe(point, label, options, host);
    const opened = openBinary(point.path);
    return 'message' in opened ? opened : resolveUserStatement(opened.binary, point, label, host);
  },
  // `func` is the probed function's name from the binary's symbols (not a kernel symbol lookup);
  // user_faults: the handler runs in the probed task, where user reads may page memory in (kmod/guru_uprobe.c).
  // A user statement's handler also gets which address of the line was hit (SITE: its locals live in
  // different places at each) and that address as linked: the uprobe handler's regs->ip is where the
  // breakpoint is, so the difference is the binary's load bias (a PIE's, or 0), which moves DW_OP_addr locals.
  body: (p) =>
    p.kind === 'ustatement'
      ? {
          params: 'struct pt_regs *regs, const char *func_name, unsigned int site, unsigned long link_address',
          hasRegs: true,
          setup: ['ctx->func_name = func_name;', 'ctx->user_faults = true;', 'ctx->site = site;', 'ctx->slide = regs->ip - link_address;'],
        }
      : { params: 'struct pt_regs *regs, const char *func_name', hasRegs: true, setup: ['ctx->func_name = func_name;', 'ctx->user_faults = true;'] },
  // A user statement's locals in memory are the task's: the user reader and writer, which may page memory in.
  helpers: (p) => (p.kind === 'ustatement' ? localAccessors(p, 'user') : []),
  render: (probes, ctx) => {
    // One uprobe consumer per probed place (path, offset); its hits go to the spec's probes there in spec order.
    // A call is the handler and what it takes after (regs, func_name): a user statement's site and its address.
    type Call = { fn: string; extra: string };
    const places = new Map<string, { path: string; site: UprobeSite; statement?: string; goRet?: boolean; entryFns: Call[]; retFns: Call[] }>();
    for (const p of probes) {
      p.sites.forEach((site, i) => {
        const key = `${p.path}\0${site.offset}`;
        const place = places.get(key) ?? { path: p.path, site, entryFns: [], retFns: [] };
        if (p.kind === 'ustatement') place.statement = `${p.statement.sites[i]!.file.split('/').pop()}:${p.statement.sites[i]!.line}`;
        const call = { fn: ctx.probeFn(p), extra: p.kind === 'ustatement' ? `, ${i}, ${site.address}UL` : '' };
        // A Go function's return probes run at its rets, as a plain uprobe's handler (goProbeSites.ts): never a uretprobe.
        (p.kind === 'uretprobe' && site.go !== 'ret' ? place.retFns : place.entryFns).push(call);
        if (site.go === 'ret') place.goRet = true;
        places.set(key, place);
      });
    }
    const views = [...places.values()].map((place, i) => ({
      name: `up${i}_${slug(place.site.func)}`,
      path: place.path,
      func: place.site.func,
      ...(place.statement ? { statement: place.statement } : {}),
      ...(place.goRet ? { goRet: `${place.site.address}` } : {}),
      ...(place.site.go === 'body' ? { goBody: true } : {}),
      offset: place.site.offset,
      expect: cBytes(place.site.expect),
      entryFns: place.entryFns,
      retFns: place.retFns,
    }));
    return {
      declarations: [{ partial: 'uprobe', include: true, places: [] }],
      definitions: [{ partial: 'uprobe', include: false, places: views }],
      attachSets: ['{ .ops = &guru_uprobe_ops, .defs = guru_uprobes, .n = ARRAY_SIZE(guru_uprobes) }'],
    };
  },
  where: (p) =>
    p.kind === 'ustatement'
      ? statementWhere(p)
      : isSingle(p)
      ? singleWhere(p)
      : p.sites[0]?.go === 'ret'
      ? ` on ${new Set(p.sites.map((s) => s.func)).size} Go functions of ${p.path} (uprobes on their ${p.sites.length} rets, no uretprobe${p.pie ? ', PIE' : ''})`
      : ` on ${p.sites.length} functions of ${p.path}${p.pie ? ' (PIE)' : ''}`,
  describe: (p: UserProbe) =>
    p.kind === 'ustatement'
      ? [...describeStatement(p.statement, p.targets, 'user'), `    uprobes at file offsets ${p.sites.map((s) => `0x${s.offset.toString(16)}`).join(', ')}`]
      : [
    ...(p.targets.length ? [`    ${p.targets.map((t) => `${t.name}: ${t.ctype}${t.writable ? ' (writable)' : ''}`).join(', ')}`] : []),
    ...(isSingle(p) ? [] : p.sites.map((s) => `      ${s.func} (${s.go === 'ret' ? 'ret at ' : ''}${s.address}, file offset 0x${s.offset.toString(16)})`)),
  ],
  list: (query, facts, opts) => {
    const opened = openBinary(query.path);
    if ('message' in opened) throw new UserError(opened.message, opened.hint);
    const { binary } = opened;
    const host = ('hostPackages' in facts ? facts.hostPackages : undefined) ?? dpkgHostPackages;
    if (query.kind === 'ustatement') {
      const { path, func, file } = query;
      const spellLine = (line: number | '*') => spellUserStatement(path, func, file, line);
      const entries = withUserProgram(binary, query, spellLine(query.line === ANY_LINE ? '*' : query.line), host, (program) =>
        listSourceLines(query, { memory: 'user', spell: spellLine, lines: () => userStatementLines(program, func, file), resolve: (line, point) => resolveUserStatementIn(binary, program, { path, func, file, line }, point) }, opts.verbose),
      );
      if ('message' in entries) throw new UserError(entries.message, entries.hint);
      return { release: facts.release, entries, sources: [`${binary.path} (DWARF)`] };
    }
    if (binary.functions.size === 0) throw new UserError(`${binary.path} has no function symbols (.symtab and .dynsym are empty or stripped)`, 'probe a binary built with symbols, or a library function it calls');
    const re = globToRegExp(query.func);
    const names = [...binary.functions.keys()].filter((n) => re.test(n) && binary.functions.get(n)!.length === 1).sort();
    if (names.length === 0 && !query.func.includes('*')) {
      const fn = findFunction(binary, query.func, query.ret, query.path, host);
      if ('message' in fn) throw new UserError(fn.message, fn.hint);
    }
    const listOne = (debug: UserDebuginfo | undefined) =>
      names.map((name): ListEntry => {
        const point = spell(query.ret, query.path, name);
        if (!debug) return { point };
        const r = userScope(binary, debug, binary.functions.get(name)![0]!, query.ret, query.path, point);
        return { point, ...(r.declaration ? { declaration: r.declaration } : {}), targets: r.listed, ...(r.note ? { note: r.note } : {}) };
      });
    if (!opts.verbose) return { release: facts.release, entries: listOne(undefined), sources: [`${binary.path} (ELF symbols)`] };
    return withDebuginfo(binary, host, (debug) => ({
      release: facts.release,
      entries: listOne(debug),
      sources: [`${binary.path} (ELF symbols)`, 'dwarf' in debug ? `${debug.path} (DWARF)` : debug.why],
    }));
  },
};
