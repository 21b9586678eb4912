// The kernel functions `guru list kprobe:PATTERN` offers: text symbols of
// the target (System.map or kallsyms). On the running kernel, tracefs adds
// the functions ftrace can see (module functions included) and debugfs
// says which ones kprobes refuse (NOKPROBE_SYMBOL, __kprobes): those are
// left out, as the kernel would refuse them at load time anyway.
import fs from 'node:fs';

export interface KprobeFunctionSources {
  /** Text symbols of the target, if known (KernelFacts.functionSymbols()). */
  symbols: ReadonlySet<string> | undefined;
  /** Whether the target is the running kernel (tracefs and debugfs describe it). */
  running: boolean;
  /** Where to look; overridable for tests. */
  availableFilterFunctions?: readonly string[];
  kprobeBlacklist?: readonly string[];
}

export const AVAILABLE_FILTER_FUNCTIONS = ['/sys/kernel/tracing/available_filter_functions', '/sys/kernel/debug/tracing/available_filter_functions'];
export const KPROBE_BLACKLIST = ['/sys/kernel/debug/kprobes/blacklist'];
/** How the symbol list is named in ListResult.sources. */
export const SYMBOLS_SOURCE = 'kernel symbols (System.map or /proc/kallsyms)';

export interface KprobeFunctions {
  names: Set<string>;
  /** Which sources were read, for --json and messages. */
  sources: string[];
}

function readFirst(files: readonly string[]): { file: string; text: string } | undefined {
  for (const file of files) {
    try {
      return { file, text: fs.readFileSync(file, 'utf8') };
    } catch {
      // Not mounted or not readable (non-root): the next candidate, or none.
    }
  }
  return undefined;
}

/**
 * Function entries only: compiler-split parts (`.cold`, `.isra.0`) and
 * patchable-entry padding (`__pfx_`) are not, the same rule wildcard probes
 * follow (kernelFunction.ts).
 */
export function isProbeableName(name: string): boolean {
  return !name.includes('.') && !name.startsWith('__pfx_');
}

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

export function kprobeFunctions(src: KprobeFunctionSources): KprobeFunctions | undefined {
  if (!src.symbols && !src.running) return undefined;
  const names = new Set<string>();
  const sources: string[] = [];
  if (src.symbols) {
    for (const s of src.symbols) if (isProbeableName(s)) names.add(s);
    sources.push(SYMBOLS_SOURCE);
  }
  if (src.running) {
    const filter = readFirst(src.availableFilterFunctions ?? AVAILABLE_FILTER_FUNCTIONS);
    if (filter) {
      // "name" or "name [module]"; newer kernels may add an address column first.
      for (const line of filter.text.split('\n')) {
        const name = line.trim().split(/\s+/).find((w) => !/^[0-9a-f]{8,}$/.test(w));
        if (name && !name.startsWith('[') && isProbeableName(name)) names.add(name);
      }
      sources.push(filter.file);
    }
    const blacklist = readFirst(src.kprobeBlacklist ?? KPROBE_BLACKLIST);
    if (blacklist) {
      // "0xSTART-0xEND\tname" per refused function.
      for (const line of blacklist.text.split('\n')) {
        const name = line.trim().split(/\s+/)[1];
        if (name) names.delete(name);
      }
      sources.push(`minus ${blacklist.file}`);
    }
  }
  return names.size || src.symbols ? { names, sources } : undefined;
}
