// `guru list PATTERN [-v]`: the probe points of a kernel that match, in
// guru's spelling, and with -v what a spec can use at each: target
// variables with their C types, which are writable, and why the others
// cannot be read. Each family lists its own points through the resolver a
// spec's probe goes through (src/probeFamilies), so list and check agree.
import { familyOfListQuery } from '../probeFamilies/registry.js';
import type { ListFacts, ListOptions, ListQuery, ListResult } from '../probeFamilies/types.js';


export function listProbePoints(query: ListQuery, facts: ListFacts, opts: ListOptions): ListResult {
  return familyOfListQuery(query).list!(query, facts, opts);
}
