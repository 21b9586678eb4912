// Reading /sys/class/misc/guru_<name>/stats (written by kmod's stats_read:
// one `key value...` line each, padded with spaces to a fixed width).
import fs from 'node:fs';

export interface ProbeStats {
  hits: number;
  misses: number;
  writes: number;
  faults: number;
  nmissed: number;
}

export interface ModuleStats {
  state: 'armed' | 'detached' | 'disarmed';
  /** Detached with a ttl: milliseconds until the kernel disarms it; undefined otherwise. */
  ttlMs?: number;
  emitted: number;
  dropped: number;
  nested: number;
  tvarOverflow: number;
  /** Thread-variable entries in use (threads with a non-zero variable), and how many fit. */
  tvarEntries: number;
  tvarCapacity: number;
  /** Task exits the thread-variable cleanup hooks missed (kprobes do not nest). */
  tvarExitMissed: number;
  wildcardSkipped: number;
  probes: ProbeStats[];
  /** Every wildcard match: which probe and match it is, and what registering it returned (0: probed). */
  wildcards: WildcardMatchState[];
}

export interface WildcardMatchState {
  probe: number;
  match: number;
  /** 0, or the negative errno the kernel refused the kprobe with. */
  error: number;
}

export function statsPath(module: string): string {
  return `/sys/class/misc/${module}/stats`;
}

export function parseModuleStats(text: string): ModuleStats {
  const stats: ModuleStats = {
    state: 'disarmed',
    emitted: 0,
    dropped: 0,
    nested: 0,
    tvarOverflow: 0,
    tvarEntries: 0,
    tvarCapacity: 0,
    tvarExitMissed: 0,
    wildcardSkipped: 0,
    probes: [],
    wildcards: [],
  };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    switch (f[0]) {
      case 'state':
        stats.state = f[1] as ModuleStats['state'];
        break;
      case 'ttl_ms':
        if (Number(f[1]) >= 0) stats.ttlMs = Number(f[1]);
        break;
      case 'emitted':
        stats.emitted = Number(f[1]);
        break;
      case 'dropped':
        stats.dropped = Number(f[1]);
        break;
      case 'nested':
        stats.nested = Number(f[1]);
        break;
      case 'tvar_overflow':
        stats.tvarOverflow = Number(f[1]);
        break;
      case 'tvar_entries':
        stats.tvarEntries = Number(f[1]);
        break;
      case 'tvar_capacity':
        stats.tvarCapacity = Number(f[1]);
        break;
      case 'tvar_exit_missed':
        stats.tvarExitMissed = Number(f[1]);
        break;
      case 'wildcard_skipped':
        stats.wildcardSkipped = Number(f[1]);
        break;
      case 'probe': {
        const kv = new Map<string, number>();
        for (let i = 2; i + 1 < f.length; i += 2) kv.set(f[i], Number(f[i + 1]));
        stats.probes[Number(f[1])] = { hits: kv.get('hits') ?? 0, misses: kv.get('misses') ?? 0, writes: kv.get('writes') ?? 0, faults: kv.get('faults') ?? 0, nmissed: kv.get('nmissed') ?? 0 };
        break;
      }
    }
  }
  return stats;
}

/** The wildcards file (kmod's wildcards_read): `probe P match M error E` per match. */
export function parseWildcards(text: string): WildcardMatchState[] {
  return [...text.matchAll(/^probe (\d+) match (\d+) error (-?\d+)/gm)].map((m) => ({ probe: Number(m[1]), match: Number(m[2]), error: Number(m[3]) }));
}

export function readModuleStats(module: string): ModuleStats {
  const stats = parseModuleStats(fs.readFileSync(statsPath(module), 'utf8'));
  const wildcards = `/sys/class/misc/${module}/wildcards`;
  if (fs.existsSync(wildcards)) stats.wildcards = parseWildcards(fs.readFileSync(wildcards, 'utf8'));
  return stats;
}
