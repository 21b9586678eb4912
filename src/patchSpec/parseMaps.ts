// `maps:` — how many keys a map holds (docs/spec.md, "Maps and counters").
// Maps need no declaration (bpftrace's `@opens[comm] = count()` makes one);
// this gives one a size other than the default: `maps: { opens: 4096 }` or
// `maps: { '@opens': { size: 4096 } }`, `'@'` for bpftrace's anonymous map.
import { isMap } from 'yaml';
import { describeNode, integerValue, isNullNode, type MapEntry, type SpecSource } from './specSource.js';
import type { MapDecl } from './types.js';

import { DEFAULT_MAP_SIZE, MAX_MAP_SIZE } from './mapSizes.js';

export function parseMaps(source: SpecSource, entry: MapEntry): MapDecl[] {
  const map = entry.value;
  if (isNullNode(map)) return [];
  if (!isMap(map)) {
    source.error(source.valueSpan(entry), `maps: must be a mapping of map name to size, not ${describeNode(map)}`, "e.g. maps: { opens: { size: 4096 } }");
    return [];
  }
  const decls: MapDecl[] = [];
  for (const mapEntry of source.namedEntries(map, 'map')) {
    const { key, keyNode, value } = mapEntry;
    const span = source.spanOf(keyNode);
    const name = key.startsWith('@') ? key : `@${key}`;
    if (!/^@([A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
      source.error(span, `'${key}' is not a map name`, "a map is @ and letters, digits and _ (written here with or without the @: opens or '@opens'), or '@' alone");
      continue;
    }
    if (decls.some((d) => d.name === name)) {
      source.error(span, `map ${name} is given a size twice`, 'keep one of them');
      continue;
    }
    let sizeNode = value;
    if (isMap(value)) {
      const fields = source.entries(value, { known: ['size'], what: 'map', synonyms: { capacity: 'size', max: 'size', keys: 'size', entries: 'size' } });
      const field = fields.get('size');
      if (!field) {
        source.error(span, `map ${name} needs a size`, `${key}: { size: ${DEFAULT_MAP_SIZE} }`);
        continue;
      }
      sizeNode = field.value;
    }
    const size = integerValue(sizeNode);
    if (size === undefined || size < 1 || size > MAX_MAP_SIZE) {
      source.error(sizeNode && !isNullNode(sizeNode) ? source.spanOf(sizeNode) : span, `map ${name}'s size is the keys each CPU holds, 1 to ${MAX_MAP_SIZE}, not ${describeNode(sizeNode)}`, `e.g. ${key}: { size: 4096 } (the default is ${DEFAULT_MAP_SIZE})`);
      continue;
    }
    decls.push({ name, size, span });
  }
  return decls;
}
