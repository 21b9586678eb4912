// The table of probe families, in the spirit of bpftrace's probe_types.h:
// one row per family, in the order their C appears in a generated module.
// Resolving (buildPlan), rendering (renderModule), `guru check` and
// `guru list` find a probe's family here and nowhere else; adding a family
// is a module in this folder plus one row below (docs/architecture.md has
// the checklist).
import { InternalError } from '../errors.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { probePointParser, type ParsedProbePoint, type ProbePointError } from '../patchSpec/probePointSyntax.js';
import { kprobeFamily } from './kprobe.js';
import { kretprobeFamily } from './kretprobe.js';
import { lifecycleFamily } from './lifecycle.js';
import { statementFamily } from './statement/statementFamily.js';
import { syscallFamily } from './syscall.js';
import { timerFamily } from './timer/timerFamily.js';
import { tracepointFamily } from './tracepoint/tracepointFamily.js';
import { uprobeFamily } from './uprobe/uprobeFamily.js';
import type { ListQuery, ProbeCommon, ProbeFamily, Resolution, ResolveError, ResolveOptions } from './types.js';

/** Most kernel probes one spec may place (--max-probes): each wildcard match is one. */
export const DEFAULT_MAX_PROBES = 1000;

export const FAMILIES = [kprobeFamily, kretprobeFamily, syscallFamily, statementFamily, tracepointFamily, uprobeFamily, timerFamily, lifecycleFamily] as const;

type PlacementOf<F> = F extends ProbeFamily<infer P, infer _Pt> ? P : never;
type PointOf<F> = F extends ProbeFamily<infer _P, infer Pt> ? Pt : never;

/** Every probe point the families resolve: a tagged union on `kind`, one member per family's point type. */
export type ProbePoint = PointOf<(typeof FAMILIES)[number]>;
export type ProbeKind = ProbePoint['kind'];

/** The family-specific part of a plan probe: `kind` says which family, the rest where it sits. */
export type Placement = PlacementOf<(typeof FAMILIES)[number]>;

/** One probe of the plan: a tagged union on `kind`. */
export type PlanProbe = ProbeCommon & Placement;
export type PlanProbeKind = PlanProbe['kind'];

/** A family with its types erased, for code that handles every family alike. */
export type AnyProbeFamily = ProbeFamily<Placement, ProbePoint>;

const all = FAMILIES as readonly ProbeFamily<{ kind: string }, ParsedProbePoint>[] as readonly AnyProbeFamily[];

/** `on:` in every family's spellings, in the table's order (hints list kinds and SystemTap forms in it). */
const probePoints = probePointParser(all.flatMap((f) => (f.spellings ? [f.spellings] : [])));

/** Parse one probe point in any accepted spelling (guru's, SystemTap's, bpftrace's). Never throws. */
export function parseProbePoint(text: string): ProbePoint | ProbePointError {
  return probePoints.parse(text) as ProbePoint | ProbePointError;
}

/** guru's canonical spelling; `parseProbePoint(formatProbePoint(p))` gives back `p`. */
export function formatProbePoint(point: ParsedProbePoint): string {
  return probePoints.format(point);
}

export { isProbePointError, type ProbePointError } from '../patchSpec/probePointSyntax.js';
export { TIMER_MIN_MS } from './timer/spelling.js';

/**
 * Probe-point kinds the parser knows but no family resolves yet, and what to
 * say. The parser lets `*` through in user-space points (uprobe, ustatement):
 * the family that resolves them refuses wildcards it cannot place (the
 * uprobe family does, with its own message).
 */
const LATER_KINDS: Partial<Record<ProbeKind, string>> = {
};

export function familyOfPoint(kind: string): AnyProbeFamily | undefined {
  return all.find((f) => (f.points as readonly string[]).includes(kind));
}

export function familyOf(p: { kind: string }): AnyProbeFamily {
  const f = all.find((x) => (x.kinds as readonly string[]).includes(p.kind));
  if (!f) throw new InternalError(`no probe family produces ${p.kind} probes`);
  return f;
}

export function familyOfListQuery(q: ListQuery): AnyProbeFamily {
  const f = familyOfPoint(q.kind);
  if (!f?.list) throw new InternalError(`no probe family lists ${q.kind} points`);
  return f;
}

/** Where a probe point sits and what a spec sees there, or why it does not resolve. */
export function resolveProbePoint(point: ProbePoint, facts: KernelFacts, label: string, options: ResolveOptions = { probeBudget: DEFAULT_MAX_PROBES }): Resolution<Placement> | ResolveError {
  const family = familyOfPoint(point.kind);
  if (!family) {
    return { message: `${label}: ${LATER_KINDS[point.kind] ?? 'not supported'}`, hint: `supported now: ${all.map((f) => f.spelling).join(', ')}` };
  }
  return family.resolve(point, facts, label, options);
}
