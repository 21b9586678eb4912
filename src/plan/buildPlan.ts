// Spec + kernel facts → Plan: resolve every probe point, compile every
// expression. All problems are collected and thrown together as one
// SpecError so the user sees every mistake in one run.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { SpecError } from '../errors.js';
import { CompileSession, ProbeCompiler, type CompileScope } from '../expr/compileExpression.js';
import type { TargetTypes } from '../expr/targetTypes.js';
import { btfTargetTypes } from '../kernelFacts/btfTargetTypes.js';
import type { IrExpr, IrStmt } from '../expr/ir.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { formatProbePoint } from '../patchSpec/parseProbePoint.js';
import type { Guard, Spec } from '../patchSpec/types.js';
import { familyOf, resolveProbePoint } from '../probeFamilies/registry.js';
import { isResolveError } from '../probeFamilies/types.js';
import type { Plan, PlanGuard, PlanProbe, PlanVar } from './types.js';

export function buildPlan(spec: Spec, facts: KernelFacts): Plan {
  const session = new CompileSession();
  const diagnostics: Diagnostic[] = session.diagnostics;
  const vars = planVars(spec);
  const varIds = new Map(vars.map((v) => [v.name, v.id]));
  const probes: PlanProbe[] = [];

  let types: TargetTypes | undefined | null = null; // null: not looked up yet
  const targetTypes = (): TargetTypes | undefined => {
    if (types === null) {
      const btf = facts.btf?.();
      types = btf ? btfTargetTypes(btf) : undefined;
    }
    return types;
  };

  spec.probes.forEach((probe, id) => {
    const resolved = resolveProbePoint(probe.point, facts, probe.on);
    if (isResolveError(resolved)) {
      diagnostics.push({ severity: 'error', message: resolved.message, hint: resolved.hint, span: probe.span });
      return;
    }
    const scope: CompileScope = {
      probeLabel: probe.on,
      targets: resolved.targets,
      unavailableTargets: resolved.unavailableTargets,
      writesRefused: resolved.writesRefused,
      unknownTargetNote: resolved.unknownTargetNote,
      readOnly: resolved.readOnly,
      vars: spec.vars,
      varIds,
      params: spec.params,
      constant: (n) => facts.constant(n),
      constantNames: () => facts.constantNames(),
      types: targetTypes,
    };
    const compiler = new ProbeCompiler(session, scope, id);
    const cond: IrExpr | undefined = probe.cond ? compiler.compileCondition(probe.cond) : undefined;
    const actions = probe.actions.map((a) => compiler.compileAction(a)).filter((s): s is IrStmt => s !== undefined);
    probes.push({
      id,
      on: probe.on,
      canonical: formatProbePoint(probe.point),
      line: probe.span.line,
      ...resolved.placement,
      targets: dedupeTargets([...resolved.targets.values()]),
      // begin/end run in the supervisor's context when it arms/disarms: a
      // uid/comm guard there would only ever test the supervisor itself.
      guard: familyOf(resolved.placement).inTask ? planGuard(probe.where ?? spec.where) : {},
      cond,
      condText: probe.cond?.text.replace(/\s+/g, ' ').trim(),
      condLine: probe.cond?.span.line,
      actions,
      writes: actions.some((a) => a.k === 'setTarget'),
    });
  });

  if (diagnostics.length) throw new SpecError(sortDiagnostics(diagnostics), spec.sourceText);
  return {
    planVersion: 1,
    name: spec.name,
    module: `guru_${spec.name}`,
    description: spec.description,
    specFile: spec.file,
    kernel: { release: facts.release },
    vars,
    params: spec.params.map((p) => ({ name: p.name, initial: p.initial })),
    probes,
    formats: session.formats,
  };
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

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
}
