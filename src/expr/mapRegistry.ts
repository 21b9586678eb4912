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
  if (m.kind === 'stap') return '<<<';
  return m.kind === 'lhist' ? `lhist(x, ${m.lhist!.min}, ${m.lhist!.max}, ${m.lhist!.step})` : m.kind === 'count' ? 'count()' : `${m.kind}(x)`;
}

/** "a count() map", "a <<< aggregate" (SystemTap's). */
function describeMap(m: Pick<MapUse, 'kind' | 'lhist'>): string {
  return m.kind === 'stap' ? 'a <<< aggregate' : `a ${describeKind(m)} map`;
}

/** SystemTap's extractor of a `<<<` aggregate (@count(x), @hist_linear(x[k], 0, 100, 10)), checked once every probe has compiled. */
export interface ExtractorUse {
  /** `@count`. */
  extractor: string;
  map: string;
  /** Its constant key's parts. */
  keys: ('int' | 'string')[];
  /** @hist_linear's buckets: the map keeps them too. */
  lhist?: LhistBounds;
  line: number;
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
    if (m.kind === 'stap' && kind === 'stap') {
      // <<< adds to the map whatever linear buckets @hist_linear gave it.
    } else if (!sameKind) {
      return {
        error: `${name} is ${describeMap(m)} (line ${m.line}); here it is given ${kind === 'stap' ? 'values with <<<' : describeKind({ kind, lhist })}`,
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

  /**
   * An extractor of map USE.map: why it cannot be (no such map, not a
   * `<<<` aggregate, other keys, other linear buckets than an earlier
   * @hist_linear), or undefined once the map keeps what it shows.
   */
  extract(use: ExtractorUse, earlier: readonly ExtractorUse[]): { error: string; hint?: string } | undefined {
    const m = this.maps.find((x) => x.name === use.map);
    const call = `${use.extractor}(${use.map})`;
    if (!m) {
      const stap = this.maps.filter((x) => x.kind === 'stap').map((x) => x.name);
      return { error: `${call}: no probe adds to ${use.map} with <<<`, hint: stap.length ? `the <<< aggregates: ${stap.join(', ')}` : `add to it in a probe: ${use.map.slice(1)}[key] <<< value` };
    }
    if (m.kind !== 'stap') {
      return { error: `${call}: ${use.map} is ${describeMap(m)} (line ${m.line}), not a <<< aggregate`, hint: `SystemTap's extractors read what <<< adds (${use.map.slice(1)} <<< x); print(${use.map}) shows a bpftrace map` };
    }
    const sameKeys = m.keys.length === use.keys.length && m.keys.every((k, i) => k.type === use.keys[i]);
    if (!sameKeys) return { error: `${call}: ${use.map} is keyed by ${describeKeys(m.keys)} (line ${m.line}); here by ${describeKeys(use.keys.map((type) => ({ type, size: 0 }) as AggKeyPart))}`, hint: 'give the key the <<< gives it, with constants' };
    if (use.lhist) {
      const first = earlier.find((e) => e.map === use.map && e.lhist);
      const shape = (b: LhistBounds): string => `${b.min}, ${b.max}, ${b.step}`;
      if (first && JSON.stringify(first.lhist) !== JSON.stringify(use.lhist)) {
        return { error: `${use.map} keeps the linear buckets of @hist_linear(${use.map}, ${shape(first.lhist!)}) (line ${first.line}); here @hist_linear(..., ${shape(use.lhist)})`, hint: 'an aggregate keeps one set of linear buckets: use the same bounds, or add the values to a second aggregate' };
      }
      m.lhist = use.lhist;
    }
    return undefined;
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

