// What the kprobe and kretprobe families share: a kernel function by name
// or `*` wildcard, resolved against the target's symbols and BTF; the
// struct guru_kprobe / guru_kretprobe declarations that attach handlers to
// it; and `guru list` of the functions a pattern matches.
import os from 'node:os';
import { EnvironmentError, UserError } from '../errors.js';
import { kernelFunctionHint } from '../diagnostics/kernelFunctionHint.js';
import type { KernelFunctionFacts } from '../kernelFacts/functionFacts.js';
import { ARG_REGISTERS } from '../kernelFacts/kernelFunctionSignature.js';
import type { TargetVar } from '../expr/ir.js';
import type { KernelFunctionQualifiers } from './kernelFunctionSpelling.js';
import { addKernelFunctionTargets } from './kernelFunctionTargets.js';
import { kprobeSymbolName, resolveFunctionSite, siteBtf, type FunctionSite } from './kernelFunctionSite.js';
import { globToRegExp, isProbeableName, kprobeFunctions } from './kprobeFunctions.js';
import { kernelProbePlaces } from './sharedKernelProbes.js';
import { canonicalModuleName } from '../kernelFacts/kernelModules.js';
import type { CPart, FamilyRender, KprobePlaceClaim, SharedCall, ListEntry, ListFacts, ListOptions, ListResult, ProbeCommon, ProbeScope, RenderContext, Resolution, ResolveError, ResolveOptions } from './types.js';

export type FunctionKind = 'kprobe' | 'kretprobe';

/** A kprobe: on a function's entry or at an offset into it, or on every match of a wildcard. */
export interface KprobePlacement {
  kind: 'kprobe';
  /** The function (`do_sys_openat2`), or the wildcard as written. */
  symbol: string;
  offset: number;
  /** A wildcard's matches: one kprobe each, registered best-effort. */
  symbols?: string[];
  /** The loadable module SYMBOL is in (the kprobe looks up `MODULE:SYMBOL`); undefined for vmlinux. */
  module?: string;
  /** What guru check says about how the name was resolved (a compiler clone, the module of a bare name). */
  notes?: string[];
}

/** A kretprobe: on a function's return, or on every match of a wildcard. */
export interface KretprobePlacement {
  kind: 'kretprobe';
  symbol: string;
  symbols?: string[];
  module?: string;
  notes?: string[];
}

export type FunctionPlacement = KprobePlacement | KretprobePlacement;

function emptyScope(): ProbeScope {
  return { targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map() };
}

function returnOnly(scope: ProbeScope, label: string, func: string): void {
  scope.unavailableTargets.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use kretprobe:${func}` });
}

/** The probe point `kprobe:FUNC[+OFF]` / `kretprobe:FUNC` against the target's symbols and BTF. */
export function resolveKernelFunction(kind: 'kprobe', point: { func: string; offset: number } & KernelFunctionQualifiers, facts: KernelFunctionFacts, label: string, options: ResolveOptions): Resolution<KprobePlacement> | ResolveError;
export function resolveKernelFunction(kind: 'kretprobe', point: { func: string } & KernelFunctionQualifiers, facts: KernelFunctionFacts, label: string, options: ResolveOptions): Resolution<KretprobePlacement> | ResolveError;
export function resolveKernelFunction(
  kind: FunctionKind,
  point: { func: string; offset?: number } & KernelFunctionQualifiers,
  facts: KernelFunctionFacts,
  label: string,
  options: ResolveOptions,
): Resolution<FunctionPlacement> | ResolveError {
  if (point.module?.includes('*')) return resolveModuleWildcard(kind, point.module, point.func, facts, options);
  if (point.func.includes('*')) return resolveWildcard(kind, point.func, facts, options, point.module);
  const site = resolveFunctionSite(point, facts, kind);
  if ('message' in site) return site;
  const offset = kind === 'kprobe' ? point.offset ?? 0 : 0;
  if (offset > 0) {
    const scope = emptyScope();
    for (let i = 1; i <= ARG_REGISTERS.length; i++) {
      scope.unavailableTargets.set(`$arg${i}`, {
        message: `$arg${i} is not known at ${label}: past the function's first instruction the arguments may have left their registers`,
        hint: `read arguments at kprobe:${point.func}, or use a statement: probe (debug info) for variables inside the function`,
      });
    }
    returnOnly(scope, label, point.func);
    return { ...scope, placement: { kind: 'kprobe', symbol: site.symbol, offset, ...siteFields(site) } };
  }
  return functionEntryOrReturn(kind, site, facts, label);
}

/** The placement's module and notes, only when there. */
function siteFields(site: FunctionSite): { module?: string; notes?: string[] } {
  return { ...(site.module !== undefined && { module: site.module }), ...(site.notes.length > 0 && { notes: site.notes }) };
}

/** Named, typed arguments where the target's BTF knows the function (the module's BTF for a module's); $argN otherwise. */
function functionEntryOrReturn(kind: FunctionKind, site: FunctionSite, facts: KernelFunctionFacts, label: string): Resolution<FunctionPlacement> {
  const scope = emptyScope();
  const isReturn = kind === 'kretprobe';
  const func = site.symbol;
  // A clone's parameters are not its source's: no BTF prototype describes them.
  const typing = { release: facts.release, btf: () => (site.positionalWhy ? undefined : siteBtf(site, facts)) };
  const found = addKernelFunctionTargets(typing, { func, isReturn, label }, scope);
  if (!isReturn) returnOnly(scope, label, func);
  if (site.module) scope.btfModule = site.module;
  const positionalWhy = site.positionalWhy ?? found.positionalWhy;
  const placement: FunctionPlacement = isReturn ? { kind: 'kretprobe', symbol: func, ...siteFields(site) } : { kind: 'kprobe', symbol: func, offset: 0, ...siteFields(site) };
  return {
    ...scope,
    placement,
    unknownTargetNote: positionalWhy ? `arguments are positional here: ${positionalWhy}` : undefined,
    declaration: found.declaration,
    listed: found.listed,
    note: positionalWhy ? `arguments are positional: ${positionalWhy}` : undefined,
  };
}

/**
 * `kprobe:*ptrace*`: every matching text symbol, minus compiler-split parts
 * (`.cold`) and patchable-entry padding (`__pfx_`), which are not function
 * entries. Each match is a variant with its own arguments and `$return`,
 * typed from BTF as a probe on that function alone would be; matches the
 * kernel refuses (blacklisted, notrace) are skipped at load time and named
 * in the summary. Read-only: writes are refused on wildcards.
 */
function resolveWildcard(kind: FunctionKind, pattern: string, facts: KernelFunctionFacts, options: ResolveOptions, moduleAsWritten?: string): Resolution<FunctionPlacement> | ResolveError {
  const { release } = facts;
  const modules = facts.modules?.();
  const module = moduleAsWritten === undefined ? undefined : canonicalModuleName(moduleAsWritten);
  if (module !== undefined && !modules?.has(module)) {
    return modules?.isBuiltin(module)
      ? { message: `${module} is built into ${release}: its functions are the kernel's own`, hint: `write ${kind}:${pattern}` }
      : { message: `${release} has no loadable module ${moduleAsWritten}${modules ? '' : ' that guru knows of (its module files were not found)'}`, hint: `guru list '${kind}:${moduleAsWritten}:*' lists a module's functions` };
  }
  const symbols = module !== undefined ? modules!.functions(module) : facts.functionSymbols();
  const where = module !== undefined ? `the module ${module}` : release;
  if (!symbols) {
    return {
      message: `the wildcard ${pattern} needs the symbol list of ${release}, and none was found`,
      hint: 'use a kernel from the store (guru kernel add debian:6.1, then --kernel debian:6.1), or target the running kernel (/proc/kallsyms)',
    };
  }
  const re = globToRegExp(pattern);
  const matched = [...symbols].filter((s) => re.test(s) && isProbeableName(s)).sort();
  const spelt = module !== undefined ? `${kind}:${module}:${pattern}` : `${kind}:${pattern}`;
  if (matched.length === 0) return { message: `${spelt} matches no function of ${where}`, hint: `guru list '${spelt}'` };
  const sites = matched.map((symbol): FunctionSite => ({ symbol, notes: [], ...(module !== undefined && { module }) }));
  return wildcardResolution(kind, spelt, pattern, sites, facts, options, module !== undefined ? { module } : {});
}

/** Every match of a wildcard, each typed on its own, read-only. SITES are the matches; labels are their symbols, or MODULE:SYMBOL when the module is a wildcard too. */
function wildcardResolution(
  kind: FunctionKind,
  spelt: string,
  pattern: string,
  sites: FunctionSite[],
  facts: KernelFunctionFacts,
  options: ResolveOptions,
  inModule: { module?: string },
): Resolution<FunctionPlacement> | ResolveError {
  if (sites.length > options.probeBudget) {
    return { message: `${spelt} matches ${sites.length} functions, more than the ${options.probeBudget} kernel probes --max-probes leaves this spec`, hint: 'narrow the pattern, or raise the cap: --max-probes N' };
  }
  const writesRefused = 'writes are refused on wildcard probes';
  const labelOf = (site: FunctionSite): string => (inModule.module === undefined && site.module !== undefined ? kprobeSymbolName(site) : site.symbol);
  const variants = sites.map((site) => {
    const r = functionEntryOrReturn(kind, site, facts, `${kind}:${kprobeSymbolName(site)}`);
    const targets = new Map([...r.targets].map(([name, t]) => [name, { ...t, writable: false }]));
    return { label: labelOf(site), scope: { targets, unavailableTargets: r.unavailableTargets, readOnly: r.readOnly, writeWarnings: r.writeWarnings, writesRefused, unknownTargetNote: r.unknownTargetNote, btfModule: r.btfModule } };
  });
  const first = variants[0]!.scope;
  const symbols = sites.map(labelOf);
  const placement: FunctionPlacement = kind === 'kretprobe' ? { kind, symbol: pattern, symbols, ...inModule } : { kind, symbol: pattern, symbols, offset: 0, ...inModule };
  return { ...first, placement, variants };
}

/**
 * bpftrace's `kprobe:*:FUNC` / `kprobe:xfs*:xfs_file_*` (SystemTap's
 * `module("*").function(...)`): FUNC (a name or a wildcard) in every
 * loadable module whose name matches, from the index of all modules'
 * functions. A wildcard probe like the others: read-only, each match typed
 * from its module's BTF, registered best effort (a match in a module that
 * is not loaded is not probed, and the summary says so). The kprobe of
 * each match looks up MODULE:FUNC, and the match is labelled so.
 */
function resolveModuleWildcard(kind: FunctionKind, modulePattern: string, pattern: string, facts: KernelFunctionFacts, options: ResolveOptions): Resolution<FunctionPlacement> | ResolveError {
  const { release } = facts;
  const spelt = `${kind}:${modulePattern}:${pattern}`;
  const modules = facts.modules?.();
  if (!modules) {
    return { message: `${spelt} needs the module files of ${release}, and none were found`, hint: `use a kernel from the store (--kernel debian:6.1), or install the kernel's modules (/lib/modules/${release})` };
  }
  const moduleRe = globToRegExp(canonicalModuleName(modulePattern));
  const funcRe = globToRegExp(pattern);
  const sites: FunctionSite[] = [];
  for (const [func, defining] of modules.functionIndex()) {
    if (!funcRe.test(func) || !isProbeableName(func)) continue;
    for (const module of defining) if (moduleRe.test(module)) sites.push({ symbol: func, module, notes: [] });
  }
  sites.sort((a, b) => a.module!.localeCompare(b.module!) || a.symbol.localeCompare(b.symbol));
  if (sites.length === 0) {
    const inVmlinux = !pattern.includes('*') && facts.functionSymbols()?.has(pattern);
    const anyModule = modules.names().some((m) => moduleRe.test(m));
    return {
      message: anyModule ? `${spelt} matches no function of the loadable modules matching ${modulePattern}` : `${release} has no loadable module matching ${modulePattern}`,
      hint: inVmlinux ? `${pattern} is a function of the kernel itself: write ${kind}:${pattern}` : `guru list '${kind}:${modulePattern}:*' lists the functions of those modules`,
    };
  }
  return wildcardResolution(kind, spelt, `${modulePattern}:${pattern}`, sites, facts, options, {});
}

export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
}

/** `guru check`: a wildcard's matches, each with its own typed targets; others as one target list. */
export function describeFunctionProbe(p: ProbeCommon & FunctionPlacement): string[] {
  const targets = (ts: readonly TargetVar[]) => ts.map((t) => `${t.name}: ${t.ctype}${t.writable ? ' (writable)' : ''}`).join(', ');
  if (!p.variants) return [...(p.notes ?? []).map((n) => `    note: ${n}`), ...(p.targets.length ? [`    ${targets(p.targets)}`] : [])];
  return [
    `    ${p.symbols!.length} matches, ${p.variants.length} probed, each typed on its own:`,
    ...p.variants.map((v) => `      ${v.label}: ${targets(v.targets)}`),
    ...(p.leftOut ?? []).map((l) => `      ${l.label}: not probed: ${l.why}`),
  ];
}

/** `kprobe:do_sys_openat2+0x1a` for `guru check`. */
export function functionWhere(p: FunctionPlacement): string {
  return ` on ${kprobeSymbolName(p)}${p.kind === 'kprobe' && p.offset ? `+0x${p.offset.toString(16)}` : ''}`;
}

/**
 * One struct guru_kprobe (or guru_kretprobe) per function a probe sits on,
 * with the partial PARTIAL; a wildcard expands to many, registered
 * best-effort because some matches may not be probe-able.
 */
export function renderFunctionProbes(
  probes: (ProbeCommon & FunctionPlacement & { on: string })[],
  ctx: RenderContext,
  prefix: string,
): FamilyRender & { definitions: CPart[] } {
  // One kernel probe per place, its handler calling the spec's probes there
  // in spec order (sharedKernelProbes.ts says why); a wildcard's match
  // joins the place's kprobe when another probe is there too.
  // A kprobe's place that another family's kprobe shares: its calls go into
  // the shared step's one kprobe there (src/render/sharedKprobes.ts).
  const sharedCalls: SharedCall[] = [];
  const sharedLinks: { id: number; kprobe: string }[] = [];
  const own = kernelProbePlaces(probes).filter((place) => {
    const first = place.members[0]!;
    const v = first.variant === undefined ? undefined : first.probe.variants![first.variant]!;
    const at = prefix === 'kp' ? ctx.sharedKprobe?.(kprobeSymbolName({ symbol: v ? v.label : first.probe.symbol, module: first.probe.module }), first.probe.kind === 'kprobe' && !v ? first.probe.offset : 0) : undefined;
    if (!at) return true;
    for (const m of place.members) {
      sharedCalls.push({ kprobe: at, probe: m.probe.id, variant: m.variant, call: `${ctx.probeFn(m.probe, m.variant)}(regs, addr);` });
      if (m.variant === undefined) sharedLinks.push({ id: m.probe.id, kprobe: at });
    }
    return false;
  });
  const definitions = own.map((place) => {
    const first = place.members[0]!;
    const p = first.probe;
    const v = first.variant === undefined ? undefined : p.variants![first.variant]!;
    const symbol = v ? v.label : p.symbol;
    const named = place.members.filter((m) => m.variant === undefined).map((m) => m.probe);
    const label = place.members.length === 1
      ? v ? `${p.on} (match ${v.index + 1} of ${p.symbols!.length})` : p.on
      : `probes ${place.members.map((m) => m.probe.id).join(', ')} (${place.members.map((m) => (m.variant === undefined ? m.probe.on : `${m.probe.on} match ${m.probe.variants![m.variant]!.label}`)).join(', ')}), in spec order`;
    return {
      partial: p.kind,
      name: v ? `${prefix}${p.id}_${v.index}_${slug(v.label)}` : `${prefix}${p.id}_${slug(p.symbol)}`,
      label,
      symbol: kprobeSymbolName({ symbol, module: p.module }),
      offset: p.kind === 'kprobe' && !v ? p.offset : 0,
      probeFns: place.members.map((m) => ctx.probeFn(m.probe, m.variant)),
      dispatch: place.members.length > 1,
      probes: place.members.map((m) => m.probe.id),
      // Named probes whose nmissed this kprobe's is; none at a place only wildcards reach.
      named: named.map((n) => n.id),
      match: v ? v.index : 0,
      wildcard: !place.required,
    };
  });
  const required = definitions.filter((d) => !d.wildcard).map((d) => d.name);
  const wild = definitions.filter((d) => d.wildcard).map((d) => d.name);
  // The probe table links each probe to its kprobe, whose nmissed the stats
  // report; a wildcard's many kprobes are not linked.
  const field = prefix === 'kp' ? '.kp' : '.krp';
  const links = new Map<number, string[]>(probes.map((p) => [p.id, []]));
  for (const d of definitions) for (const id of d.named) links.get(id)!.push(`${field} = &${d.name}`);
  for (const s of sharedLinks) links.get(s.id)!.push(`${field} = &${s.kprobe}`);
  return prefix === 'kp'
    ? { definitions, kprobes: required, wildKprobes: wild, links, sharedCalls }
    : { definitions, kretprobes: required, wildKretprobes: wild, links };
}

/** `guru list kprobe:GLOB` / `kretprobe:GLOB`: the functions, each with -v resolved as a spec's probe would be. */
export function listKernelFunctions(kind: FunctionKind, glob: string, facts: ListFacts, opts: ListOptions, module?: string): ListResult {
  if (module !== undefined) return listModuleFunctions(kind, module, glob, facts, opts);
  const found = kprobeFunctions({ symbols: facts.functionSymbols(), running: opts.running ?? facts.release === os.release(), ...opts.kprobeSources });
  if (!found) {
    throw new EnvironmentError(
      `no symbol list for ${facts.release}: guru cannot tell which functions it has`,
      'use a kernel from the store (--kernel debian:6.1), or run on the kernel itself (/proc/kallsyms)',
    );
  }
  const re = globToRegExp(glob);
  const names = [...found.names].filter((n) => re.test(n)).sort();
  if (names.length === 0 && !glob.includes('*')) {
    throw new UserError(`unknown kernel function ${glob} on ${facts.release}`, kernelFunctionHint({ name: glob, symbols: found.names, spell: (n) => `${kind}:${n}`, listKind: kind }));
  }
  const entries = names.map((name): ListEntry => {
    const point = `${kind}:${name}`;
    if (!opts.verbose) return { point };
    // The names come from the symbols and tracefs; each is typed exactly as a spec's probe on it.
    const r = functionEntryOrReturn(kind, { symbol: name, notes: [] }, facts, point);
    return r.declaration ? { point, declaration: r.declaration, targets: r.listed } : { point, targets: r.listed, note: r.note };
  });
  return { release: facts.release, entries, sources: found.sources };
}

/** `guru list kprobe:MODULE:GLOB`: the module's functions, typed from its BTF. */
function listModuleFunctions(kind: FunctionKind, module: string, glob: string, facts: ListFacts, opts: ListOptions): ListResult {
  const modules = facts.modules?.();
  if (!modules) throw new EnvironmentError(`the module files of ${facts.release} are not known`, 'use a kernel from the store (--kernel debian:6.1), or install the kernel\'s modules (/lib/modules/RELEASE)');
  const name = canonicalModuleName(module);
  const re = globToRegExp(glob);
  let found: { module: string; fn: string }[];
  if (name.includes('*')) {
    // kprobe:xfs*:xfs_file_*: from the index of every module's functions.
    const moduleRe = globToRegExp(name);
    found = [...modules.functionIndex()].flatMap(([fn, defining]) => (isProbeableName(fn) && re.test(fn) ? defining.filter((m) => moduleRe.test(m)).map((m) => ({ module: m, fn })) : []));
    found.sort((a, b) => a.module.localeCompare(b.module) || a.fn.localeCompare(b.fn));
  } else {
    if (!modules.has(name)) throw new UserError(`${facts.release} has no loadable module ${module}`, `its modules are in ${modules.dir}`);
    found = [...modules.functions(name)].filter((n) => isProbeableName(n) && re.test(n)).sort().map((fn) => ({ module: name, fn }));
  }
  const entries = found.map(({ module: m, fn }): ListEntry => {
    const point = `${kind}:${m}:${fn}`;
    if (!opts.verbose) return { point };
    const r = functionEntryOrReturn(kind, { symbol: fn, module: m, notes: [] }, facts, point);
    return r.declaration ? { point, declaration: r.declaration, targets: r.listed } : { point, targets: r.listed, note: r.note };
  });
  const sources = name.includes('*') ? [`the function index of ${modules.dir} (symbols), each module's BTF`] : [`${modules.btfPath(name) ?? name} (symbols and BTF)`];
  return { release: facts.release, entries, sources };
}

/** Where a kprobe family's kprobes sit (ProbeFamily.kprobePlaces): each named probe's address, each kept wildcard match's entry. */
export function functionKprobePlaces(probes: (ProbeCommon & KprobePlacement)[]): KprobePlaceClaim[] {
  return kernelProbePlaces(probes).flatMap((place) => {
    const first = place.members[0]!;
    const v = first.variant === undefined ? undefined : first.probe.variants![first.variant]!;
    const symbol = kprobeSymbolName({ symbol: v ? v.label : first.probe.symbol, module: first.probe.module });
    const offset = v ? 0 : first.probe.offset;
    return place.members.map((m) => ({ symbol, offset, probe: m.probe.id, variant: m.variant, group: `kprobe ${place.key}` }));
  });
}
