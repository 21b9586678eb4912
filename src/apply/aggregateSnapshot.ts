// The maps and count("key") counters of a loaded module: a read-only open of
// /dev/guru_<name> returns a snapshot of every CPU's entries (kmod/guru_agg.c,
// guru_agg_open), which this reads with the manifest's maps (their keys'
// layout and value words) and merges across CPUs.
import fs from 'node:fs';
import { aggValueWords, entryBytes, type PlanMap } from '../expr/aggregates.js';
import { EnvironmentError } from '../errors.js';

const SNAP_MAGIC = 0x41525547; // AGG_SNAP_MAGIC
const SNAP_VERSION = 1;

/** One key of a map: an integer (bigint) or a string per key part. */
export type MapKey = (bigint | string)[];

export interface MapEntry {
  key: MapKey;
  /** The merged value words, as kind says (enum guru_agg_kind): count; sum; count, sum (avg); count, min; ... */
  vals: bigint[];
}

export interface MapValues {
  map: PlanMap;
  /** New keys a full table turned away, over every CPU. */
  dropped: bigint;
  entries: MapEntry[];
}

/** The snapshot's bytes, merged: one entry per key (per slot for dense maps), in order of first appearance. */
export function parseAggregateSnapshot(buf: Buffer, maps: readonly PlanMap[]): MapValues[] {
  if (buf.length < 16 || buf.readUInt32LE(0) !== SNAP_MAGIC) throw new EnvironmentError('the kernel\'s aggregate snapshot is not one guru reads (bad magic)');
  const version = buf.readUInt16LE(4);
  const nmaps = buf.readUInt16LE(6);
  if (version !== SNAP_VERSION) throw new EnvironmentError(`the kernel's aggregate snapshot has version ${version}; this guru reads ${SNAP_VERSION}`);
  if (nmaps !== maps.length) throw new EnvironmentError(`the kernel's snapshot has ${nmaps} maps, the module's manifest ${maps.length}`);
  let at = 16;
  return maps.map((map) => {
    const dropped = buf.readBigUInt64LE(at);
    const entries = buf.readUInt32LE(at + 8);
    const size = buf.readUInt32LE(at + 12);
    at += 16;
    if (size !== entryBytes(map)) throw new EnvironmentError(`map ${map.name}: the kernel's entries are ${size} bytes, the manifest's ${entryBytes(map)}`);
    const merged = new Map<string, MapEntry>();
    for (let e = 0; e < entries; e++, at += size) {
      const index = buf.readUInt32LE(at + 4);
      let p = at + 8;
      const key: MapKey = map.keys.map((k) => {
        if (k.type === 'int') {
          const v = buf.readBigInt64LE(p);
          p += 8;
          return v;
        }
        const bytes = buf.subarray(p, p + k.size);
        p += k.size;
        const nul = bytes.indexOf(0);
        return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString('utf8');
      });
      const vals: bigint[] = [];
      for (let w = 0; w < aggValueWords(map.kind, map.lhist); w++, p += 8) vals.push(buf.readBigInt64LE(p));
      // Dense maps: the slot is the key (count("NAME")'s name is in the manifest).
      const id = map.slots ? `#${index}` : JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      const have = merged.get(id);
      if (have) have.vals = mergeValues(map, have.vals, vals);
      else merged.set(id, { key: map.slots ? [map.slots[index] ?? String(index)] : key, vals });
    }
    return { map, dropped, entries: [...merged.values()] };
  });
}

/** Two CPUs' values of one key as one (enum guru_agg_kind's layouts). */
export function mergeValues(map: Pick<PlanMap, 'kind'>, a: bigint[], b: bigint[]): bigint[] {
  const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
  switch (map.kind) {
    case 'min':
    case 'max': {
      if (a[0] === 0n) return b;
      if (b[0] === 0n) return a;
      const pick = map.kind === 'min' ? (a[1]! < b[1]! ? a[1]! : b[1]!) : a[1]! > b[1]! ? a[1]! : b[1]!;
      return [wrap(a[0]! + b[0]!), pick];
    }
    case 'stats':
    case 'stap': {
      // stap: stats' four words, then buckets that add up.
      if (a[0] === 0n) return b;
      if (b[0] === 0n) return a;
      return [wrap(a[0]! + b[0]!), wrap(a[1]! + b[1]!), a[2]! < b[2]! ? a[2]! : b[2]!, a[3]! > b[3]! ? a[3]! : b[3]!, ...a.slice(4).map((v, i) => wrap(v + b[4 + i]!))];
    }
    default:
      return a.map((v, i) => wrap(v + b[i]!));
  }
}

export function devicePath(module: string): string {
  return `/dev/${module}`;
}

/** Read MODULE's maps now (any number of readers may, beside its supervisor). */
export function readAggregates(module: string, maps: readonly PlanMap[]): MapValues[] {
  if (!maps.length) return [];
  let buf: Buffer;
  try {
    buf = fs.readFileSync(devicePath(module));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new EnvironmentError(`cannot read ${module}'s maps: ${code}`, `${devicePath(module)} is root's: run guru as root`);
    throw new EnvironmentError(`cannot read ${module}'s maps from ${devicePath(module)}: ${(err as Error).message}`);
  }
  return parseAggregateSnapshot(buf, maps);
}
