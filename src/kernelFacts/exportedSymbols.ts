// Which kernel functions a module may call: the symbols the kernel exports
// (EXPORT_SYMBOL, EXPORT_SYMBOL_GPL), as its headers' Module.symvers lists
// them. A call to anything else would fail at modpost, a C build error
// reaching the user; typed kernel calls are checked against this first.
import fs from 'node:fs';
import path from 'node:path';

const cache = new Map<string, ReadonlySet<string> | undefined>();

/** The exported symbols of the kernel whose headers are HEADERSDIR; undefined when it has no Module.symvers. */
export function exportedSymbols(headersDir: string): ReadonlySet<string> | undefined {
  if (!cache.has(headersDir)) {
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(headersDir, 'Module.symvers'), 'utf8');
    } catch {
      text = undefined;
    }
    // Lines: CRC, symbol, module, export kind, namespace (tab-separated).
    cache.set(headersDir, text === undefined ? undefined : new Set(text.split('\n').map((l) => l.split('\t')[1]).filter((s): s is string => !!s)));
  }
  return cache.get(headersDir);
}
