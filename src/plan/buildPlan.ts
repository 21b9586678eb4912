// Spec + kernel facts → Plan: resolve every probe point, compile every
// expression. All problems go into one DiagnosticBag (with the parser's, when
// the caller passes its bag) and errors are thrown together as one SpecError,
// so the user sees every mistake in one run; warnings stay in the bag for the
// command to print.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { DiagnosticBag } from '../diagnostics/diagnosticBag.js';
import { SpecError } from '../errors.js';
import { CompileSession, ProbeCompiler, type CompileScope } from '../expr/compileExpression.js';
import type { TargetTypes } from '../expr/targetTypes.js';
import { btfTargetTypes } from '../kernelFacts/btfTargetTypes.js';
import { exportedSymbols } from '../kernelFacts/exportedSymbols.js';
import type { IrExpr, IrStmt } from '../expr/ir.js';
import { forEachExprOf } from '../expr/irWalk.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { formatProbePoint } from '../probeFamilies/registry.js';
import type { Guard, ProbeSpec, Spec } from '../patchSpec/types.js';
import { DEFAULT_MAX_PROBES, familyOf, resolveProbePoint, type ProbePoint } from '../probeFamilies/registry.js';
import { isResolveError, type ProbeScope, type ProbeVariant } from '../probeFamilies/types.js';
import type { Plan, PlanGuard, PlanMap, PlanProbe, PlanVar } from './types.js';
import { COUNTERS_MAP, DEFAULT_MAP_SIZE } from '../expr/aggregates.js';

export interface PlanOptions {
  /** Most kernel probes the spec may place (--max-probes); each wildcard match is one. */
  maxProbes?: number;
}

export function buildPlan(spec: Spec, facts: KernelFacts, bag = new DiagnosticBag(), options: PlanOptions = {}): Plan {
  const session = new CompileSession(bag.all);
  const vars = planVars(spec);
  const varIds = new Map(vars.map((v) => [v.name, v.id]));
  const probes: PlanProbe[] = [];

  // The types behind target type ids: vmlinux's BTF, or a module's split BTF over it (key: the module, '' for vmlinux).
  const types = new Map<string, TargetTypes | undefined>();
  const targetTypes = (module = ''): TargetTypes | undefined => {
    if (!types.has(module)) {
      const base = facts.btf?.();
      const btf = module && base ? facts.modules?.()?.btf(module, base) : base;
      types.set(module, btf ? btfTargetTypes(btf) : undefined);
    }
    return types.get(module);
  };

  let budget = options.maxProbes ?? DEFAULT_MAX_PROBES;
  spec.probes.forEach((probe, id) => {
    const resolved = resolveProbePoint(probe.point as ProbePoint, facts, probe.on, { probeBudget: budget });
    if (isResolveError(resolved)) {
      bag.error(probe.span, resolved.message, resolved.hint);
      return;
    }
    const w = probe.where;
    if (familyOf(resolved.placement).context === 'timer' && w && (w.uid || w.pid || w.comm)) {
      bag.error(w.span ?? probe.span, `${probe.on} runs for no task: its where: has nothing to test`, "a timer probe runs in the kernel's timer softirq; drop its where: (the spec's where: does not apply to timers)");
    }
    const compileIn = (s: ProbeScope, diagnostics: Diagnostic[]) => {
      const scope: CompileScope = {
        probeLabel: probe.on,
        context: familyOf(resolved.placement).context,
        targets: s.targets,
        unavailableTargets: s.unavailableTargets,
        writesRefused: s.writesRefused,
        unknownTargetNote: s.unknownTargetNote,
        readOnly: s.readOnly,
        writeWarnings: s.writeWarnings,
        vars: spec.vars,
        varIds,
        params: spec.params,
        constant: (n) => facts.constant(n),
        constantUnsigned: (n) => facts.constantUnsigned?.(n) ?? false,
        constantNames: () => facts.constantNames(),
        types: () => targetTypes(s.btfModule),
        point: resolved.placement,
        rawArgs: familyOf(resolved.placement).rawArgs?.(resolved.placement),
        kernelStackRefused: familyOf(resolved.placement).kernelStackRefused,
        caller: familyOf(resolved.placement).callerAt?.(resolved.placement),
        exported: (name) => exportedSymbols(facts.headersDir)?.has(name),
      };
      const compiler = new ProbeCompiler(new CompileSession(diagnostics, session.formats, session.shared), scope, id);
      const cond: IrExpr | undefined = probe.cond ? compiler.compileCondition(probe.cond) : undefined;
      const actions = probe.actions.map((a) => compiler.compileAction(a)).filter((st): st is IrStmt => st !== undefined);
      return { targets: dedupeTargets([...s.targets.values()]), cond, actions };
    };
    let compiled: Omit<ProbeVariant, 'label' | 'index'>;
    let variants: ProbeVariant[] | undefined;
    let leftOut: { label: string; why: string }[] | undefined;
    if (resolved.variants) {
      const v = compileVariants(resolved.variants, compileIn, probe, bag, session.formats);
      if (!v) return;
      variants = v.kept;
      leftOut = v.leftOut;
      compiled = v.kept[0]!;
      budget -= v.kept.length;
    } else {
      compiled = compileIn(resolved, bag.all);
      budget -= familyOf(resolved.placement).kernelProbeCount?.(resolved.placement) ?? 1;
    }
    const { targets, cond, actions } = compiled;
    probes.push({
      id,
      on: probe.on,
      canonical: formatProbePoint(probe.point),
      line: probe.span.line,
      ...resolved.placement,
      targets,
      // begin/end run in the supervisor's context when it arms/disarms, and
      // timers in a softirq: a uid/comm guard there would only ever test the
      // supervisor itself, or whatever task the CPU happened to be running.
      guard: familyOf(resolved.placement).context === 'task' ? planGuard(probe.where ?? spec.where) : {},
      cond,
      condText: probe.cond?.text.replace(/\s+/g, ' ').trim(),
      condLine: probe.cond?.span.line,
      actions,
      writes: actions.some((a) => a.k === 'setTarget' || a.k === 'store'),
      ...(variants ? { variants } : {}),
      ...(leftOut?.length ? { leftOut } : {}),
    });
  });

  checkMapRefs(session, bag);
  // Items that failed to compile are missing from the IR: what it says about vars would be wrong.
  if (bag.hasErrors()) throw new SpecError(bag.sorted(), spec.sourceText);
  warnUnusedVars(spec, probes, bag);
  vars.push(...session.shared.hiddenVars);
  const maps = planMaps(spec, session, bag);
  return {
    planVersion: 1,
    name: spec.name,
    module: `guru_${spec.name}`,
    description: spec.description,
    specFile: spec.file,
    kernel: { release: facts.release, ...addressesBuild(probes, facts) },
    vars,
    params: spec.params.map((p) => ({ name: p.name, type: p.type, initial: String(p.initial), min: String(p.min), max: String(p.max) })),
    ...(maps.length ? { maps } : {}),
    probes,
    formats: session.formats,
    ...(session.shared.errnoNames ? { errnoNames: session.shared.errnoNames } : {}),
  };
}

/**
 * A wildcard's matches, each compiled in its own scope (its BTF types). A
 * match where the spec's expressions do not compile (it returns void and the
 * spec reads $return; it has no third argument) is left out, and a warning
 * names it and why; when none compiles, the first match's errors are the
 * spec's. Undefined then.
 */
function compileVariants(
  candidates: { label: string; scope: ProbeScope }[],
  compileIn: (scope: ProbeScope, diagnostics: Diagnostic[]) => Omit<ProbeVariant, 'label' | 'index'>,
  probe: ProbeSpec,
  bag: DiagnosticBag,
  formats: unknown[],
): { kept: ProbeVariant[]; leftOut: { label: string; why: string }[] } | undefined {
  const kept: ProbeVariant[] = [];
  const leftOut: { label: string; why: string }[] = [];
  let firstErrors: Diagnostic[] | undefined;
  candidates.forEach((c, index) => {
    const diagnostics: Diagnostic[] = [];
    const formatsBefore = formats.length;
    const compiled = compileIn(c.scope, diagnostics);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      // Its IR is dropped: so are the log formats only it registered (a value typed otherwise there).
      formats.length = formatsBefore;
      firstErrors ??= diagnostics;
      leftOut.push({ label: c.label, why: errors[0]!.message });
      return;
    }
    for (const d of diagnostics) if (!bag.all.some((x) => x.message === d.message && x.span.line === d.span.line && x.span.col === d.span.col)) bag.all.push(d);
    kept.push({ label: c.label, index, ...compiled });
  });
  if (kept.length === 0) {
    bag.all.push(...firstErrors!);
    return undefined;
  }
  if (leftOut.length) {
    const shown = leftOut.slice(0, 6).map((l) => l.why);
    bag.warning(
      probe.span,
      `${leftOut.length} of ${candidates.length} matches of ${probe.on} are not probed: the spec's expressions do not compile there (${leftOut.map((l) => l.label).join(', ')})`,
      shown.join('; ') + (leftOut.length > shown.length ? `; and ${leftOut.length - shown.length} more` : ''),
    );
  }
  return { kept, leftOut };
}

/** Probes of a family whose addresses are one build's (statement probes: its DWARF): the plan names that build. */
function addressesBuild(probes: readonly PlanProbe[], facts: KernelFacts): { buildId?: string } {
  const buildId = probes.some((p) => familyOf(p).oneBuild) ? facts.debuginfo?.().buildId : undefined;
  return buildId ? { buildId } : {};
}

/** print(@x), clear(@x) and SystemTap's extractors name a map some probe fills (anywhere in the spec: they are checked once all have compiled). */
function checkMapRefs(session: CompileSession, bag: DiagnosticBag): void {
  const filled = session.shared.maps.maps.filter((m) => m.name !== COUNTERS_MAP).map((m) => m.name);
  const seen = new Set<string>();
  for (const ref of session.shared.mapRefs) {
    const at = `${ref.span.line}:${ref.span.col}`;
    if (filled.includes(ref.name) || seen.has(at)) continue;
    seen.add(at);
    bag.error(ref.span, `${ref.op}(${ref.name}): no probe fills ${ref.name}`, filled.length ? `maps the probes fill: ${filled.join(', ')}` : `fill it in a probe: ${ref.name}[key] = count()`);
  }
  // SystemTap's extractors read a <<< aggregate; @hist_linear gives it its linear buckets.
  const done: typeof session.shared.extractors = [];
  for (const use of session.shared.extractors) {
    const problem = session.shared.maps.extract(use, done);
    if (problem) bag.error(use.span, problem.error, problem.hint);
    done.push(use);
  }
}

/** The maps the probes use, each with the size maps: gives it (a dense map: its slots); a size for a map no probe uses is a warning. */
function planMaps(spec: Spec, session: CompileSession, bag: DiagnosticBag): PlanMap[] {
  const uses = session.shared.maps.maps;
  for (const d of spec.maps) {
    const use = uses.find((u) => u.name === d.name);
    if (!use) bag.warning(d.span, `map ${d.name} is given a size but no probe uses it`, uses.length ? `maps the probes use: ${uses.map((u) => u.name).join(', ')}` : 'remove it, or use it: @name[key] = count()');
    else if (use.slots) bag.warning(d.span, `map ${d.name} has no key, so it holds one value: its size does not matter`, 'remove its size, or give it a key: @name[key] = ...');
  }
  return uses.map((u, id) => ({
    id,
    name: u.name,
    kind: u.kind,
    keys: u.keys,
    capacity: u.slots ? Math.max(u.slots.length, 1) : (spec.maps.find((d) => d.name === u.name)?.size ?? DEFAULT_MAP_SIZE),
    ...(u.slots ? { slots: u.slots } : {}),
    ...(u.lhist ? { lhist: u.lhist } : {}),
    line: u.line,
  }));
}

function planVars(spec: Spec): PlanVar[] {
  const counters = { thread: 0, global: 0 };
  return spec.vars.map((v) => ({ name: v.name, type: v.type, scope: v.scope, id: counters[v.scope]++ }));
}

function planGuard(g: Guard): PlanGuard {
  const out: PlanGuard = {};
  if (g.uid?.length) out.uid = g.uid;
  if (g.pid?.length) out.pid = g.pid;
  if (g.comm?.length) out.comm = g.comm;
  return out;
}

/** Positional aliases ($arg3 for $count) are listed once, under the real name. */
function dedupeTargets<T extends { name: string; access: unknown }>(ts: T[]): T[] {
  const seen = new Set<string>();
  return ts.filter((t) => {
    const key = JSON.stringify(t.access);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Warnings about vars: one no probe uses is dead weight (a misspelt use
 * would be an error, so it is usually left over); one that is read but
 * never written always reads 0.
 */
function warnUnusedVars(spec: Spec, probes: PlanProbe[], bag: DiagnosticBag): void {
  const key = (scope: string, id: number): string => `${scope}:${id}`;
  const read = new Set<string>();
  const written = new Set<string>();
  for (const p of probes) {
    forEachExprOf(p.cond, p.actions, (e) => {
      if (e.k === 'var') read.add(key(e.scope, e.id));
    });
    for (const a of p.actions) if (a.k === 'setVar') written.add(key(a.scope, a.id));
  }
  const ids = planVars(spec);
  spec.vars.forEach((v, i) => {
    const k = key(v.scope, ids[i]!.id);
    if (!read.has(k) && !written.has(k)) bag.warning(v.span, `var ${v.name} is never used`, 'remove it, or use it in a probe');
    else if (!written.has(k)) bag.warning(v.span, `var ${v.name} is read but never written, so it is always 0`, `set it in a do: item (${v.name} = ...), or use a param for a value chosen at apply time`);
  });
}
