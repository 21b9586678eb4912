// What guru metrics and the metrics exports say about loaded patches: each
// module's stats, knobs, and, read through its manifest (which the module
// serves in /sys/class/misc/guru_<name>/manifest), its probes' names and its
// maps and counters.
import fs from 'node:fs';
import type { Manifest } from '../render/manifest.js';
import { readAggregates } from './aggregateSnapshot.js';
import { readModuleKnobs } from './knobs.js';
import { readModuleStats } from './moduleStats.js';
import type { PatchMetrics } from './prometheusText.js';

export function loadedManifestPath(module: string): string {
  return `/sys/class/misc/${module}/manifest`;
}

/** The manifest a loaded module serves; undefined for one built before modules served it. */
export function readLoadedManifest(module: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(loadedManifestPath(module), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** MODULE's metrics now; MANIFEST when the caller has it (the supervisor), else the module's own. */
export function patchMetrics(module: string, manifest: Manifest | undefined = readLoadedManifest(module)): PatchMetrics {
  return {
    patch: module.replace(/^guru_/, ''),
    stats: readModuleStats(module),
    probes: manifest?.probes,
    knobs: readModuleKnobs(module)?.knobs,
    aggregates: readAggregates(module, manifest?.maps ?? []),
  };
}
