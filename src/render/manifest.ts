// The manifest embedded in every .ko (section .guru_manifest): enough for
// `guru apply X.ko` to arm the module and format its events with no spec,
// compiler or headers at hand.
import type { LogFormatEntry } from '../expr/compileExpression.js';
import type { IrStmt } from '../expr/ir.js';
import type { Plan, PlanMap, PlanParam, PlanProbeKind } from '../plan/types.js';
import type { InsmodRefusal } from '../probeFamilies/types.js';
import { sharedMatches, type SharedMatch } from '../probeFamilies/sharedKernelProbes.js';
import { sharedKprobePlaces } from './sharedKprobes.js';

export const MANIFEST_SECTION = '.guru_manifest';

export interface ManifestProbe {
  id: number;
  on: string;
  canonical: string;
  kind: PlanProbeKind;
  symbol?: string;
  /** The loadable module the symbol is in, which must be loaded before this module is (`modprobe MODULE`). */
  module?: string;
  line: number;
  /** A wildcard: every function it matched (the runtime's match numbers index it). */
  matched?: string[];
  /** Matches guru did not probe because the spec's expressions do not compile there, and why. */
  leftOut?: { symbol: string; why: string }[];
  /** Matches that sit in a kernel probe another of the spec's probes stands for (sharedKernelProbes.ts): not in the wildcards file under this probe. */
  sharedMatches?: SharedMatch[];
}

export interface Manifest {
  manifestVersion: 1;
  module: string;
  name: string;
  description?: string;
  specFile: string;
  release: string;
  /** The kernel build the module is for, when its addresses are one build's (Plan.kernel.buildId). */
  buildId?: string;
  probes: ManifestProbe[];
  formats: LogFormatEntry[];
  /** errno value → name, when a format shows return codes. */
  errnoNames?: Record<string, string>;
  vars: { name: string; type: string; scope: string }[];
  /**
   * The knobs (params:), as the plan has them. Manifests of modules built
   * before knobs had types hold only { name, initial: number }: see
   * readManifest.
   */
  params: PlanParam[];
  /** Maps and count("key") counters (Plan.maps): how to read the kernel's snapshot of them (src/apply/aggregateSnapshot.ts). */
  maps?: PlanMap[];
  /** How the runtime parts of the module's families refuse to load, for apply's hint (ProbeFamily.insmodRefusals). */
  insmodRefusals?: InsmodRefusal[];
  /** Probes call print(@x) or clear(@x), which only a supervising guru apply does (apply --detach warns). */
  mapOps?: true;
}

/** Does any probe (any match of a wildcard) call print() or clear()? */
function hasMapOps(plan: Plan): boolean {
  const inStmts = (ss: readonly IrStmt[]): boolean => ss.some((x) => x.k === 'mapOp' || (x.k === 'block' && inStmts(x.stmts)));
  return plan.probes.some((p) => inStmts(p.actions) || (p.variants ?? []).some((v) => inStmts(v.actions)));
}

/** REFUSALS: the insmodRefusals of the plan's families (renderModule knows them; this file stays light for `guru apply X.ko`). */
export function manifestOf(plan: Plan, refusals: readonly InsmodRefusal[] = []): Manifest {
  const shared = new Map([
    ...sharedMatches(plan.probes.flatMap((p) => (p.kind === 'kprobe' ? [p] : []))),
    ...sharedMatches(plan.probes.flatMap((p) => (p.kind === 'kretprobe' ? [p] : []))),
  ]);
  // A wildcard's match in a kprobe that other families' probes share (sharedKprobes.ts): a named probe's place, so probed whenever the module arms.
  for (const place of sharedKprobePlaces(plan.probes)) {
    for (const m of place.members) {
      if (m.variant === undefined) continue;
      const match = plan.probes.find((p) => p.id === m.probe)!.variants![m.variant]!.index;
      const others = (shared.get(m.probe) ?? []).filter((s) => s.match !== match);
      shared.set(m.probe, [...others, { match }].sort((a, b) => a.match - b.match));
    }
  }
  return {
    manifestVersion: 1,
    module: plan.module,
    name: plan.name,
    description: plan.description,
    specFile: plan.specFile,
    release: plan.kernel.release,
    buildId: plan.kernel.buildId,
    probes: plan.probes.map((p) => ({
      id: p.id,
      on: p.on,
      canonical: p.canonical,
      kind: p.kind,
      symbol: 'symbol' in p ? p.symbol : undefined,
      module: 'module' in p ? p.module : undefined,
      line: p.line,
      matched: 'symbols' in p ? p.symbols : undefined,
      leftOut: p.leftOut?.map((l) => ({ symbol: l.label, why: l.why })),
      ...(shared.has(p.id) ? { sharedMatches: shared.get(p.id) } : {}),
    })),
    formats: plan.formats,
    ...(plan.errnoNames ? { errnoNames: plan.errnoNames } : {}),
    vars: plan.vars.map((v) => ({ name: v.name, type: v.type, scope: v.scope })),
    params: plan.params,
    ...(plan.maps?.length ? { maps: plan.maps } : {}),
    ...(refusals.length ? { insmodRefusals: [...refusals] } : {}),
    ...(hasMapOps(plan) ? { mapOps: true as const } : {}),
  };
}
