// Which of a spec's kprobe (or kretprobe) probes share one kernel probe.
// The kernel runs kprobes that share an address newest first, so two of
// the spec's probes on one function, each with a kprobe of its own, would
// run in the reverse of the spec's order: a var the first sets would be
// read by the second before it is written. So every place (module:symbol
// and offset) gets one kernel probe whose handler calls the spec's probes
// there in spec order, and that holds for a wildcard's matches too: a
// `kprobe:vfs_*` beside a `kprobe:vfs_read` puts its vfs_read handler
// into vfs_read's one kprobe. Across families (syscall:write beside
// kprobe:__x64_sys_write) src/render/sharedKprobes.ts does the same.
//
// A place with a named probe among its members is registered all or
// nothing, like the named probe alone would be; a place only wildcards
// reach is registered best effort, and its first member (in spec order)
// stands for it in the module's wildcards file.
import type { ProbeCommon } from './types.js';
import { kprobeSymbolName } from './kernelFunctionSite.js';

/** What of a kprobe or kretprobe probe decides its place (kernelFunction.ts's placements). */
type FunctionProbe = Pick<ProbeCommon, 'id' | 'variants'> & { kind: 'kprobe' | 'kretprobe'; symbol: string; module?: string; offset?: number };

/** One of the spec's probes at a place: a named probe, or one match of a wildcard (VARIANT indexes its kept variants). */
export interface PlaceMember<P extends FunctionProbe = FunctionProbe> {
  probe: P;
  variant?: number;
}

/** A place with its members in spec order. */
export interface KernelProbePlace<P extends FunctionProbe = FunctionProbe> {
  /** `MODULE:SYMBOL+OFFSET`. */
  key: string;
  members: PlaceMember<P>[];
  /** Whether a named probe is among the members: its registration must succeed. */
  required: boolean;
}

function placeKey(symbol: string, module: string | undefined, offset: number): string {
  return `${kprobeSymbolName({ symbol, module })}+${offset}`;
}

/** The places PROBES (all of one family, in spec order) sit on, in the order their first member comes. */
export function kernelProbePlaces<P extends FunctionProbe>(probes: readonly P[]): KernelProbePlace<P>[] {
  const places = new Map<string, KernelProbePlace<P>>();
  const add = (key: string, member: PlaceMember<P>): void => {
    const place = places.get(key) ?? { key, members: [], required: false };
    place.members.push(member);
    if (member.variant === undefined) place.required = true;
    places.set(key, place);
  };
  for (const p of probes) {
    if (p.variants) p.variants.forEach((v, i) => add(placeKey(v.label, p.module, 0), { probe: p, variant: i }));
    else add(placeKey(p.symbol, p.module, p.offset ?? 0), { probe: p });
  }
  return [...places.values()];
}

/**
 * For the manifest: each wildcard match that sits in a kernel probe it does
 * not stand for (its state in the wildcards file is that of OWNER, the
 * match that stands for the place; no owner: a required place, probed
 * whenever the module arms).
 */
export interface SharedMatch {
  match: number;
  owner?: { probe: number; match: number };
}

/** Per wildcard probe id, its matches that share another member's kernel probe. */
export function sharedMatches(probes: readonly FunctionProbe[]): Map<number, SharedMatch[]> {
  const out = new Map<number, SharedMatch[]>();
  for (const place of kernelProbePlaces(probes)) {
    const first = place.members[0]!;
    for (const m of place.members) {
      if (m === first && !place.required) continue; // it stands for the place itself
      if (m.variant === undefined) continue;
      const match = m.probe.variants![m.variant]!.index;
      const owner = place.required ? undefined : { probe: first.probe.id, match: first.probe.variants![first.variant!]!.index };
      out.set(m.probe.id, [...(out.get(m.probe.id) ?? []), { match, ...(owner ? { owner } : {}) }]);
    }
  }
  return out;
}
