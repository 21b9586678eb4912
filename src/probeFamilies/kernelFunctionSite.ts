// Which kernel function a `kprobe:` / `kretprobe:` point names, before its
// arguments are typed: a function of vmlinux or of a loadable module
// (`kprobe:af_alg:af_alg_sendmsg`, or the bare name when exactly one of the
// target's modules defines it), the compiler's clone of it when only that
// exists (`copy_strings` is `copy_strings.isra.0` in Debian's 6.1), and with
// SystemTap's file qualifier, the function defined in that file.
import path from 'node:path';
import { kernelFunctionHint } from '../diagnostics/kernelFunctionHint.js';
import { nearestName } from '../diagnostics/nearestName.js';
import type { Btf } from '../debuginfo/btf.js';
import { EnvironmentError } from '../errors.js';
import type { KernelFunctionFacts } from '../kernelFacts/functionFacts.js';
import { canonicalModuleName, type KernelModules } from '../kernelFacts/kernelModules.js';
import type { KernelFunctionQualifiers } from './kernelFunctionSpelling.js';
import { sameFile } from './sourceLine/resolveLine.js';
import type { ResolveError } from './types.js';

/** Where a probe on one kernel function goes. */
export interface FunctionSite {
  /** The symbol the kprobe is placed on: the name written, or the compiler's clone of it. */
  symbol: string;
  /** The loadable module that defines it; undefined for vmlinux. */
  module?: string;
  /** Why the arguments cannot be typed from BTF here (a clone's parameters are the compiler's). */
  positionalWhy?: string;
  /** What guru check says about the resolution (a clone, a module found for a bare name, an unchecked file). */
  notes: string[];
}

/**
 * GCC's clones that keep the function's entry: interprocedural scalar
 * replacement (`.isra.N`, parameters removed or passed by value) and constant
 * propagation (`.constprop.N`, constant parameters dropped). `.part.N` (the
 * cold rest of a partly inlined function) and `.cold` are not entries.
 */
export function cloneOf(name: string, symbols: Iterable<string>): string[] {
  const re = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}(\\.(isra|constprop)\\.[0-9]+)+$`);
  return [...symbols].filter((s) => re.test(s)).sort();
}

/** The symbol as register_kprobe looks it up: `MOD:SYMBOL` for a module's (kallsyms takes that form). */
export function kprobeSymbolName(site: { symbol: string; module?: string }): string {
  return site.module ? `${site.module}:${site.symbol}` : site.symbol;
}

/** The name written, or its one clone in SYMBOLS; an error when it is neither there nor cloned once. */
function nameOrClone(
  func: string,
  symbols: ReadonlySet<string>,
  where: string,
  unknown: () => ResolveError,
): { symbol: string; positionalWhy?: string; notes: string[] } | ResolveError {
  if (symbols.has(func)) return { symbol: func, notes: [] };
  const clones = cloneOf(func, symbols);
  if (clones.length === 1) {
    const clone = clones[0]!;
    return {
      symbol: clone,
      positionalWhy: `${func} exists only as ${clone} in ${where}, the compiler's clone, whose parameters the compiler may have removed or reordered`,
      notes: [`probes ${clone}: ${where} has ${func} only as this compiler clone (arguments are positional: $arg1..$arg6 as the clone receives them)`],
    };
  }
  if (clones.length > 1) {
    return { message: `${func} exists only as the compiler's clones ${clones.join(', ')} in ${where}`, hint: `name the one to probe, e.g. kprobe:${clones[0]}` };
  }
  return unknown();
}

/** The one FUNC defined in FILE, from the target's DWARF; or why that cannot be told. */
function functionInFile(func: string, file: string, facts: KernelFunctionFacts): { symbol?: string; note?: string } | ResolveError {
  let dbg;
  try {
    dbg = facts.debuginfo?.();
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
  }
  if (!dbg) return { note: `${func}@${file}: the file is not checked (no debuginfo for ${facts.release}; guru kernel add REF --debuginfo stores it)` };
  const all = dbg.findFunctions(func).filter((f) => f.outOfLine);
  const fileOf = (f: (typeof all)[number]): string => f.declFile ?? f.unit.name ?? '?';
  const here = all.filter((f) => sameFile(fileOf(f), file) || (f.unit.name !== undefined && sameFile(f.unit.name, file)));
  if (here.length === 0) {
    const files = [...new Set(dbg.findFunctions(func).map(fileOf))];
    return {
      message: `${facts.release} has no function ${func} defined in ${file}`,
      hint: files.length ? `${func} is defined in ${files.join(', ')}` : `guru list 'kprobe:*${func}*'`,
    };
  }
  const symbolAt = (f: (typeof all)[number]): string | undefined => dbg.functionSymbolAt(f.outOfLine!.entryPc)?.name;
  const symbol = symbolAt(here[0]!);
  if (!symbol) return {};
  // kallsyms finds a function by name: another body under the same symbol name makes the name ambiguous.
  const sameName = new Set(all.filter((f) => symbolAt(f) === symbol).map((f) => f.outOfLine!.entryPc));
  if (sameName.size > 1) {
    return {
      message: `${symbol} names ${sameName.size} functions of ${facts.release} (${[...new Set(all.map(fileOf))].join(', ')}), and a kprobe finds a function by name`,
      hint: 'guru cannot place a kprobe on one of several functions of the same name; probe a line of it instead: statement:FUNC@FILE:LINE',
    };
  }
  return { symbol };
}

/**
 * The source directory a module is built from, from its place in the tree
 * (`kernel/fs/xfs/xfs.ko` → `fs/xfs`), and whether FILE lies there: guru's
 * store keeps no module debug info, so this is all that tells a module's
 * files (a module of several directories, like amdgpu, has files outside it).
 */
function moduleFileCheck(module: string, file: string, modules: KernelModules): { dir?: string; inDir: boolean } {
  const rel = modules.file(module);
  if (rel === undefined) return { inDir: true };
  const dir = path.posix.dirname(rel.split(path.sep).join('/')).replace(/^kernel\//, '');
  const fileDir = path.posix.dirname(file);
  if (fileDir === '.') return { dir, inDir: true };
  const inDir = `/${fileDir}/`.includes(`/${dir}/`) || `/${dir}/`.endsWith(`/${fileDir}/`);
  return { dir, inDir };
}

/** The note on a module function's FILE: what was checked. */
function moduleFileNote(func: string, file: string, module: string, modules: KernelModules): string {
  const { dir, inDir } = moduleFileCheck(module, file, modules);
  if (dir === undefined) return `${func}@${file}: the file is not checked (a module's debug info is not in guru's kernel store)`;
  return inDir
    ? `${func}@${file}: ${module} is built in ${dir}; the file itself is not checked (a module's debug info is not in guru's kernel store)`
    : `${func}@${file}: ${module} is built in ${dir}, and ${file} is not there; the file is not checked (a module's debug info is not in guru's kernel store)`;
}

/**
 * `kernel.function("FUNC@FILE")` for a function vmlinux does not have: the
 * modules defining FUNC whose directory holds FILE (`af_alg_sendmsg@crypto/af_alg.c`
 * is af_alg's); undefined when no module defines FUNC.
 */
function moduleFunctionInFile(func: string, file: string, facts: KernelFunctionFacts, kind: string): FunctionSite | ResolveError | undefined {
  const modules = facts.modules?.();
  const defining = modules?.modulesDefining(func) ?? [];
  if (!modules || defining.length === 0) return undefined;
  const here = defining.filter((m) => moduleFileCheck(m, file, modules).inDir);
  if (here.length === 1) {
    const module = here[0]!;
    return {
      symbol: func,
      module,
      notes: [`${func} is a function of the module ${module} (probed as ${module}:${func}; it must be loaded: modprobe ${module})`, moduleFileNote(func, file, module, modules)],
    };
  }
  const dirs = defining.map((m) => `${m} (${moduleFileCheck(m, file, modules).dir ?? '?'})`).join(', ');
  if (here.length === 0) {
    return {
      message: `${func} is not a function of ${file} on ${facts.release}: it is defined by the module${defining.length > 1 ? 's' : ''} ${dirs}`,
      hint: `write ${kind}:${defining[0]}:${func}${defining.length > 1 ? ' naming the module' : ''}, or the file of that directory`,
    };
  }
  return { message: `${func}@${file} is a function of ${here.length} modules of ${facts.release}: ${here.join(', ')}`, hint: `name the module: ${kind}:${here[0]}:${func}` };
}

/**
 * The function POINT names on the target. Without a symbol list the name is
 * taken as written (the kernel checks it when the module registers).
 */
export function resolveFunctionSite(point: { func: string } & KernelFunctionQualifiers, facts: KernelFunctionFacts, kind: string): FunctionSite | ResolveError {
  const { func } = point;
  const symbols = facts.functionSymbols();
  const modules = facts.modules?.();
  const unknownInKernel = (): ResolveError => ({
    message: `unknown kernel function ${func} on ${facts.release}`,
    hint: kernelFunctionHint({ name: func, symbols: symbols ?? [], spell: (n) => `${kind}:${n}`, listKind: kind }),
  });

  if (point.module !== undefined) {
    const module = canonicalModuleName(point.module);
    if (modules?.isBuiltin(module)) {
      const site = symbols ? nameOrClone(func, symbols, facts.release, unknownInKernel) : { symbol: func, notes: [] };
      if ('message' in site) return site;
      return { ...site, notes: [`${module} is built into ${facts.release}: ${func} is probed as a function of the kernel itself`, ...site.notes] };
    }
    if (!modules) return { symbol: func, module, notes: [`the module files of ${facts.release} are not known: ${module}:${func} is checked when the probe registers`] };
    if (!modules.has(module)) {
      const near = nearestName(module, modules.names());
      return { message: `${facts.release} has no loadable module ${point.module}`, hint: near ? `did you mean ${near}?` : `its modules are in ${modules.dir}` };
    }
    const site = nameOrClone(func, modules.functions(module), `module ${module}`, () => ({
      message: `module ${module} of ${facts.release} has no function ${func}`,
      hint: kernelFunctionHint({ name: func, symbols: modules.functions(module), spell: (n) => `${kind}:${module}:${n}`, listKind: undefined }),
    }));
    if ('message' in site) return site;
    if (point.file !== undefined) site.notes.push(moduleFileNote(func, point.file, module, modules));
    return { ...site, module };
  }

  if (point.file !== undefined) {
    // Not vmlinux's (nor a clone of one of its functions): a loadable module's, which vmlinux's DWARF does not know.
    if (symbols && !symbols.has(func) && cloneOf(func, symbols).length === 0) {
      const inModule = moduleFunctionInFile(func, point.file, facts, kind);
      if (inModule) return inModule;
    }
    const inFile = functionInFile(func, point.file, facts);
    if ('message' in inFile) return inFile;
    if (inFile.symbol) {
      const clone = inFile.symbol !== func;
      return {
        symbol: inFile.symbol,
        positionalWhy: clone ? `${func} is compiled as ${inFile.symbol}, the compiler's clone, whose parameters the compiler may have removed or reordered` : undefined,
        notes: clone ? [`probes ${inFile.symbol}: the body of ${func}@${point.file} (arguments are positional: $arg1..$arg6 as the clone receives them)`] : [],
      };
    }
    const site = resolveFunctionSite({ func }, facts, kind);
    if (!('message' in site) && inFile.note) site.notes.push(inFile.note);
    return site;
  }

  if (!symbols) return { symbol: func, notes: [] };
  if (symbols.has(func)) return { symbol: func, notes: [] };
  // Not in vmlinux: a clone of it, or a module's function.
  const inKernel = nameOrClone(func, symbols, facts.release, () => ({ message: '' }));
  if (!('message' in inKernel)) return inKernel;
  if (inKernel.message !== '') return inKernel;
  const defining = modules?.modulesDefining(func) ?? [];
  if (defining.length === 1) {
    const module = defining[0]!;
    return { symbol: func, module, notes: [`${func} is a function of the module ${module} (probed as ${module}:${func}; it must be loaded: modprobe ${module})`] };
  }
  if (defining.length > 1) {
    return { message: `${func} is a function of ${defining.length} modules of ${facts.release}: ${defining.join(', ')}`, hint: `name the module: ${kind}:${defining[0]}:${func}` };
  }
  return unknownInKernel();
}

/** The BTF that types SITE: the module's split BTF over vmlinux's, or vmlinux's. */
export function siteBtf(site: { module?: string }, facts: KernelFunctionFacts): Btf | undefined {
  const base = facts.btf?.();
  if (!site.module || !base) return base;
  return facts.modules?.()?.btf(site.module, base);
}
