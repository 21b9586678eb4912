// How many keys a map holds per CPU (a spec's `maps: { NAME: { size: N } }`),
// apart from the YAML parser so the apply path loads these numbers without
// the yaml package.

/** Keys per CPU a map holds when maps: does not say, and the most it may ask for. */
export const DEFAULT_MAP_SIZE = 1024;
export const MAX_MAP_SIZE = 65536;
