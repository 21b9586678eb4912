// The target's loadable modules as kprobes meet them: which modules exist
// (modules.dep of lib/modules/RELEASE, the stored kernel's or the installed
// one), the functions each .ko defines (its ELF symbol table), and the types
// of its functions (its .BTF section: split BTF over vmlinux's; on the
// running kernel /sys/kernel/btf/MOD, the same data).
//
// A bare `kprobe:af_alg_sendmsg` that is not in vmlinux is looked up in an
// index of every module's functions. Building it reads all of the target's
// modules (~4000: 7 s for 6.1's uncompressed ones, about a minute for the
// .ko.xz of 6.12 and 7.x), so it is built once per kernel and kept in guru's
// cache (module-functions/RELEASE.tsv).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Btf } from '../debuginfo/btf.js';
import { ElfFile } from '../debuginfo/elf.js';
import { cacheDir } from '../cacheDir.js';
import { EnvironmentError } from '../errors.js';

export interface KernelModules {
  /** lib/modules/RELEASE, for messages. */
  readonly dir: string;
  /** Whether the target has a loadable module NAME (`-` and `_` alike, as the kernel treats them). */
  has(name: string): boolean;
  /** Whether NAME is built into the image (modules.builtin): its functions are vmlinux's own. */
  isBuiltin(name: string): boolean;
  /** Every loadable module, sorted. */
  names(): string[];
  /** The functions module NAME defines in its text (init and exit code left out: kprobes cannot stay there). */
  functions(name: string): ReadonlySet<string>;
  /** Module NAME's types: its split BTF over BASE (vmlinux's); undefined when the module has no BTF. */
  btf(name: string, base: Btf): Btf | undefined;
  /** Where btf(NAME) reads from, for messages. */
  btfPath(name: string): string | undefined;
  /**
   * The modules that define FUNC: on the running kernel the loaded ones that
   * do, if any; else from the index of all modules, built on first
   * use and cached.
   */
  modulesDefining(func: string): string[];
  /** That index: every function of a loadable module, with the modules that define it. */
  functionIndex(): ReadonlyMap<string, readonly string[]>;
}

/** Module names use `_` where file names may use `-`; the kernel treats both alike. */
export function canonicalModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

function moduleNameOfFile(file: string): string {
  return canonicalModuleName(path.basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, ''));
}

/** The bytes of a .ko, decompressed the way kmod would (.ko.xz, .ko.zst, .ko.gz). */
function readModuleFile(file: string): Buffer {
  if (file.endsWith('.ko')) return fs.readFileSync(file);
  if (file.endsWith('.gz')) return zlib.gunzipSync(fs.readFileSync(file));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : undefined;
  if (!tool) throw new EnvironmentError(`${file}: unknown module compression`);
  try {
    return execFileSync(tool, ['-dc', file], { maxBuffer: 1 << 30 });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EnvironmentError(
      missing ? `reading ${file} needs ${tool}, which is not installed` : `cannot decompress ${file}: ${(err as Error).message}`,
      missing ? `apt-get install ${tool === 'xz' ? 'xz-utils' : 'zstd'} (scripts/setup.sh does)` : undefined,
    );
  }
}

/** Text functions of one module's ELF symbol table. */
function textFunctions(elf: ElfFile): Set<string> {
  const out = new Set<string>();
  for (const s of elf.symbols()) {
    if (s.type !== 'func' || !s.section?.startsWith('.text')) continue;
    out.add(s.name);
  }
  return out;
}

/**
 * A module file opened as ELF. Compressed modules are decompressed into
 * SCRATCH (one file reused); uncompressed ones are opened where they are.
 */
function withModuleElf<T>(file: string, scratch: () => string, use: (elf: ElfFile) => T): T {
  const elfPath = file.endsWith('.ko') ? file : scratch();
  if (elfPath !== file) fs.writeFileSync(elfPath, readModuleFile(file));
  const elf = ElfFile.open(elfPath);
  try {
    return use(elf);
  } finally {
    elf.close();
  }
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export interface KernelModulesOptions {
  release: string;
  /** lib/modules/RELEASE with its modules.dep. */
  dir: string;
  /** Where the function index is kept; default guru's cache. */
  indexFile?: string;
}

/** The modules in DIR, or undefined when it has no modules.dep. */
export function kernelModules(opts: KernelModulesOptions): KernelModules | undefined {
  const depFile = path.join(opts.dir, 'modules.dep');
  if (!fs.existsSync(depFile)) return undefined;
  const files = new Map<string, string>();
  for (const line of readLines(depFile)) {
    const colon = line.indexOf(':');
    if (colon > 0) files.set(moduleNameOfFile(line.slice(0, colon)), path.join(opts.dir, line.slice(0, colon)));
  }
  const builtin = new Set(readLines(path.join(opts.dir, 'modules.builtin')).map(moduleNameOfFile));
  const running = opts.release === os.release();
  const functionCache = new Map<string, Set<string>>();
  const btfCache = new Map<string, Btf | undefined>();
  let index: Map<string, string[]> | undefined;
  let scratchDir: string | undefined;
  const scratch = (): string => {
    scratchDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'guru-ko-'));
    return path.join(scratchDir, 'module.ko');
  };
  const cleanup = (): void => {
    if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
    scratchDir = undefined;
  };
  const fileOf = (name: string): string => {
    const file = files.get(canonicalModuleName(name));
    if (!file) throw new EnvironmentError(`${opts.release} has no module ${name} in ${opts.dir}`);
    return file;
  };
  const runningBtf = (name: string): string | undefined => {
    const f = `/sys/kernel/btf/${canonicalModuleName(name)}`;
    return running && fs.existsSync(f) ? f : undefined;
  };

  const functions = (name: string): Set<string> => {
    const key = canonicalModuleName(name);
    let found = functionCache.get(key);
    if (!found) {
      try {
        found = withModuleElf(fileOf(key), scratch, textFunctions);
      } finally {
        cleanup();
      }
      functionCache.set(key, found);
    }
    return found;
  };

  const loadIndex = (): Map<string, string[]> => {
    if (index) return index;
    const indexFile = opts.indexFile ?? cacheDir('module-functions', `${opts.release}.tsv`);
    const stamp = `${fs.statSync(depFile).size} ${fs.statSync(depFile).mtimeMs}`;
    let lines: string[] | undefined;
    try {
      const text = fs.readFileSync(indexFile, 'utf8').split('\n');
      if (text[0] === `# ${stamp}`) lines = text.slice(1);
    } catch {
      // Not built yet.
    }
    if (!lines) {
      lines = [];
      try {
        for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
          const fns = withModuleElf(file, scratch, textFunctions);
          functionCache.set(name, fns);
          lines.push(`${name}\t${[...fns].join(' ')}`);
        }
      } finally {
        cleanup();
      }
      try {
        fs.mkdirSync(path.dirname(indexFile), { recursive: true });
        fs.writeFileSync(`${indexFile}.tmp${process.pid}`, [`# ${stamp}`, ...lines].join('\n'));
        fs.renameSync(`${indexFile}.tmp${process.pid}`, indexFile);
      } catch {
        // A cache we cannot write (another user's): the index lives for this run only.
      }
    }
    index = new Map();
    for (const line of lines) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const mod = line.slice(0, tab);
      for (const fn of line.slice(tab + 1).split(' ')) {
        if (!fn) continue;
        const list = index.get(fn);
        if (list) list.push(mod);
        else index.set(fn, [mod]);
      }
    }
    return index;
  };

  // The running kernel's loaded modules (/proc/modules) are searched before the index of every
  // module file, which a bare name on a running kernel then seldom needs. Their own .ko files
  // say what they define: reading /proc/kallsyms instead takes seconds (26 s under TCG).
  const loadedDefining = (func: string): string[] | undefined => {
    const loaded = readLines('/proc/modules').map((l) => l.split(' ')[0]!).filter((m) => files.has(m));
    const defining = loaded.filter((m) => functions(m).has(func)).sort();
    return defining.length ? defining : undefined;
  };

  return {
    dir: opts.dir,
    has: (name) => files.has(canonicalModuleName(name)),
    isBuiltin: (name) => builtin.has(canonicalModuleName(name)),
    names: () => [...files.keys()].sort(),
    functions,
    btfPath: (name) => runningBtf(name) ?? files.get(canonicalModuleName(name)),
    btf: (name, base) => {
      const key = canonicalModuleName(name);
      if (!btfCache.has(key)) {
        const live = runningBtf(key);
        let btf: Btf | undefined;
        if (live) btf = Btf.fromFile(live, base);
        else {
          try {
            btf = withModuleElf(fileOf(key), scratch, (elf) => {
              const data = elf.readSection('.BTF');
              return data ? Btf.fromBuffer(data, base) : undefined;
            });
          } finally {
            cleanup();
          }
        }
        btfCache.set(key, btf);
      }
      return btfCache.get(key);
    },
    modulesDefining: (func) => (running ? loadedDefining(func) : undefined) ?? loadIndex().get(func) ?? [],
    functionIndex: loadIndex,
  };
}
