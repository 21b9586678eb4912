// One kprobe for the spec's probes of several families at one address.
// The kernel runs kprobes that share an address newest first, so
// `syscall:write` and `kprobe:__x64_sys_write`, or a statement probe and
// `kprobe:FUNC+OFF` at the same address, each with a kprobe of its own,
// would run in the reverse of the spec's order. Each family already gives
// its own probes at one place one kernel probe (sharedKernelProbes.ts for
// kprobes, one per syscall for the syscall family); this step does the
// same across families: every family says where its kprobes sit
// (ProbeFamily.kprobePlaces), and an address claimed by more than one of
// them gets one kprobe here, whose handler calls the probes there in spec
// order (the families hand it their calls, FamilyRender.sharedCalls).
//
// Such a place always has a named probe among its members (only the kprobe
// family has wildcards, and its own claims at one address are one group),
// so it is registered all or nothing, as that probe alone would be.
//
// Not covered: a syscall with return probes runs its entry probes in a
// kretprobe's entry handler, and return places (kretprobe:F beside
// syscall:NAME:return on F's wrapper) are kretprobes of different
// families; those still run in the kernel's order.
import { familyOf } from '../probeFamilies/registry.js';
import type { PlanProbe } from '../plan/types.js';
import type { CPart, KprobePlaceClaim, SharedCall } from '../probeFamilies/types.js';

export interface SharedKprobePlace {
  /** The kprobe's C name (`at___x64_sys_write`). */
  name: string;
  symbol: string;
  offset: number;
  /** In spec order (probe id, then wildcard match). */
  members: KprobePlaceClaim[];
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
}

/** The addresses the probes' kprobes share across families (more than one group claims each). */
export function sharedKprobePlaces(probes: readonly PlanProbe[]): SharedKprobePlace[] {
  const byFamily = new Map<string, PlanProbe[]>();
  for (const p of probes) {
    const f = familyOf(p);
    if (f.kprobePlaces) byFamily.set(f.name, [...(byFamily.get(f.name) ?? []), p]);
  }
  const at = new Map<string, KprobePlaceClaim[]>();
  for (const own of byFamily.values()) {
    for (const c of familyOf(own[0]!).kprobePlaces!(own)) {
      const key = `${c.symbol}+${c.offset}`;
      at.set(key, [...(at.get(key) ?? []), c]);
    }
  }
  const places: SharedKprobePlace[] = [];
  for (const claims of at.values()) {
    if (new Set(claims.map((c) => c.group)).size < 2) continue;
    const { symbol, offset } = claims[0]!;
    const members = [...claims].sort((a, b) => a.probe - b.probe || (a.variant ?? -1) - (b.variant ?? -1));
    places.push({ name: `at_${slug(symbol)}${offset ? `_${offset.toString(16)}` : ''}`, symbol, offset, members });
  }
  return places.sort((a, b) => a.members[0]!.probe - b.members[0]!.probe || (a.members[0]!.variant ?? -1) - (b.members[0]!.variant ?? -1));
}

/** The shared kprobes' C (templates/partials/shared-kprobe.hbs), their calls in spec order. */
export function renderSharedKprobes(places: readonly SharedKprobePlace[], calls: readonly SharedCall[], probes: readonly PlanProbe[]): CPart[] {
  return places.map((place) => {
    const mine = calls.filter((c) => c.kprobe === place.name).sort((a, b) => a.probe - b.probe || (a.variant ?? -1) - (b.variant ?? -1));
    const onOf = (c: { probe: number; variant?: number }): string => {
      const p = probes.find((q) => q.id === c.probe)!;
      return c.variant === undefined ? p.on : `${p.on} match ${p.variants![c.variant]!.label}`;
    };
    const ids = [...new Set(mine.map((c) => c.probe))];
    return {
      partial: 'shared-kprobe',
      name: place.name,
      symbol: place.symbol,
      offset: place.offset,
      label: `probes ${ids.join(', ')} (${mine.map(onOf).join(', ')})`,
      locals: [...new Set(mine.flatMap((c) => c.locals ?? []))],
      setup: [...new Set(mine.flatMap((c) => c.setup ?? []))],
      calls: mine.map((c) => c.call),
    } as CPart;
  });
}
