// The maps a spec's probes use, gathered while they compile: each use of a
// map must agree with its first (one kind of aggregate, the same keys), and
// count("key") names become the slots of the counters map. buildPlan turns
// them into the plan's maps, with the capacities the spec declares.
import { COUNTERS_MAP, MAX_COUNTERS, type AggKeyPart, type AggKind, type LhistBounds } from './aggregates.js';

export interface MapUse {
  name: string;
  kind: AggKind;
  keys: AggKeyPart[];
  lhist?: LhistBounds;
  /** Dense maps: the counters' names, or one unnamed slot for a map without a key. */
  slots?: string[];
  line: number;
}

export type MapUseResult = { id: number; slot?: number } | { error: string; hint?: string };

function describeKeys(keys: readonly AggKeyPart[]): string {
  return keys.length ? `[${keys.map((k) => (k.type === 'int' ? 'integer' : 'string')).join(', ')}]` : 'no key';
}

function describeKind(m: Pick<MapUse, 'kind' | 'lhist'>): string {
  return m.kind === 'lhist' ? `lhist(x, ${m.lhist!.min}, ${m.lhist!.max}, ${m.lhist!.step})` : m.kind === 'count' ? 'count()' : `${m.kind}(x)`;
}

export class MapRegistry {
  readonly maps: MapUse[] = [];

  /** A use of NAME: the map's id (and slot 0 for a map with no key), or why it disagrees with the map's first use. */
  use(name: string, kind: AggKind, keys: AggKeyPart[], line: number, lhist?: LhistBounds): MapUseResult {
    const id = this.maps.findIndex((m) => m.name === name);
    if (id < 0) {
      this.maps.push({ name, kind, keys: keys.map((k) => ({ ...k })), line, ...(lhist ? { lhist } : {}), ...(keys.length ? {} : { slots: [''] }) });
      return keys.length ? { id: this.maps.length - 1 } : { id: this.maps.length - 1, slot: 0 };
    }
    const m = this.maps[id]!;
    const sameKind = m.kind === kind && JSON.stringify(m.lhist) === JSON.stringify(lhist);
    if (!sameKind) {
      return {
        error: `${name} is a ${describeKind(m)} map (line ${m.line}); here it is given ${describeKind({ kind, lhist })}`,
        hint: `a map holds one kind of aggregate: use another map for this one, e.g. ${name === '@' ? '@' : name}_${kind}`,
      };
    }
    const sameKeys = m.keys.length === keys.length && m.keys.every((k, i) => k.type === keys[i]!.type);
    if (!sameKeys) {
      return { error: `${name} is keyed by ${describeKeys(m.keys)} (line ${m.line}); here by ${describeKeys(keys)}`, hint: 'every use of a map gives the same number of keys, of the same types' };
    }
    // A string position keeps the most any use needs (comm's 16 bytes, a str()'s 64).
    m.keys.forEach((k, i) => {
      const other = keys[i]!;
      if (k.type === 'string' && other.type === 'string') k.size = Math.max(k.size, other.size);
    });
    return keys.length ? { id } : { id, slot: 0 };
  }

  /** count("NAME"): the counters map and NAME's slot in it. */
  counter(name: string, line: number): MapUseResult {
    let id = this.maps.findIndex((m) => m.name === COUNTERS_MAP);
    if (id < 0) {
      this.maps.push({ name: COUNTERS_MAP, kind: 'count', keys: [], slots: [], line });
      id = this.maps.length - 1;
    }
    const slots = this.maps[id]!.slots!;
    let slot = slots.indexOf(name);
    if (slot < 0) {
      if (slots.length === MAX_COUNTERS) return { error: `more than ${MAX_COUNTERS} count() names`, hint: 'count by a value instead: @counts[key] = count()' };
      slots.push(name);
      slot = slots.length - 1;
    }
    return { id, slot };
  }
}

