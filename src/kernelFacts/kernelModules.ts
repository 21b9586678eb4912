// The target's loadable modules as kprobes meet them: which modules exist
// (modules.dep of lib/modules/RELEASE, the stored kernel's or the installed
// one), the functions each .ko defines (its ELF symbol table), and the types
// of its functions (its .BTF section: split BTF over vmlinux's; on the
// running kernel /sys/kernel/btf/MOD, the same data).
//
// A bare `kprobe:af_alg_sendmsg` that is not in vmlinux is looked up in an
// index of every module's functions. Building it reads all of the target's
// modules (~4000: 7 s for 6.1's uncompressed ones; the .ko.xz of 6.12 and
// 7.x are decompressed by a few xz processes at once, see forEachXzModule),
// so it is built once per kernel and kept in guru's cache
// (module-functions/RELEASE.tsv).
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
  /** Module NAME's file relative to lib/modules/RELEASE (`kernel/fs/xfs/xfs.ko`), as modules.dep has it. */
  file(name: string): string | undefined;
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

/** A module file opened as ELF: compressed ones are decompressed into memory. */
function withModuleElf<T>(file: string, use: (elf: ElfFile) => T): T {
  const elf = file.endsWith('.ko') ? ElfFile.open(file) : ElfFile.fromBuffer(file, readModuleFile(file));
  try {
    return use(elf);
  } finally {
    elf.close();
  }
}

/** How many .ko.xz one xz process decompresses in a go, and how many such processes run at once. */
const XZ_BATCH = 150;
const XZ_PARALLEL = Math.max(1, Math.min(4, os.availableParallelism()));

/** Each .ko.xz's uncompressed size, from `xz --robot --list` (its index: nothing is decompressed). */
function xzSizes(files: readonly string[]): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < files.length; i += 1000) {
    const out = execFileSync('xz', ['--robot', '--list', '--', ...files.slice(i, i + 1000)], { maxBuffer: 1 << 26 }).toString('utf8');
    for (const line of out.split('\n')) {
      const cols = line.split('\t');
      if (cols[0] === 'file') sizes.push(Number(cols[4]));
    }
  }
  if (sizes.length !== files.length || sizes.some((n) => !Number.isSafeInteger(n))) {
    throw new EnvironmentError(`xz --list gave ${sizes.length} sizes for ${files.length} modules`);
  }
  return sizes;
}

/**
 * Call USE with each of FILES (.ko.xz) as ELF, in order. Spawning xz once
 * per module was most of the index's first build (4230 modules of 6.12: 77 s
 * at load 2-4): here each of XZ_PARALLEL xz processes decompresses a batch of
 * XZ_BATCH modules into one scratch file, and the sizes from xz's index split
 * it into modules again.
 */
export function forEachXzModule(files: readonly string[], use: (file: string, elf: ElfFile) => void, batch = XZ_BATCH): void {
  if (files.length === 0) return;
  const sizes = xzSizes(files);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-ko-'));
  try {
    const round = batch * XZ_PARALLEL;
    for (let start = 0; start < files.length; start += round) {
      const batches: { from: number; to: number }[] = [];
      for (let from = start; from < Math.min(start + round, files.length); from += batch) {
        batches.push({ from, to: Math.min(from + batch, files.length) });
      }
      batches.forEach((b, i) => fs.writeFileSync(path.join(scratch, `list${i}`), files.slice(b.from, b.to).join('\0')));
      // One xargs per batch (it runs xz over its list in order: the output is the modules in list order), all at once.
      const script = batches.map((_, i) => `xargs -0 xz -dc -- <list${i} >out${i} & p${i}=$!`).join('\n') +
        '\n' + batches.map((_, i) => `wait $p${i} || exit 1`).join('\n');
      try {
        execFileSync('sh', ['-c', script], { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        throw new EnvironmentError(
          missing ? 'reading .ko.xz modules needs sh, xargs and xz' : `cannot decompress modules: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`,
          'apt-get install xz-utils (scripts/setup.sh does)',
        );
      }
      batches.forEach((b, i) => {
        const out = fs.readFileSync(path.join(scratch, `out${i}`));
        let at = 0;
        for (let f = b.from; f < b.to; f++) {
          const bytes = out.subarray(at, at + sizes[f]!);
          at += sizes[f]!;
          const elf = ElfFile.fromBuffer(files[f]!, bytes);
          try {
            use(files[f]!, elf);
          } finally {
            elf.close();
          }
        }
        if (at !== out.length) throw new EnvironmentError(`decompressing ${b.to - b.from} modules gave ${out.length} bytes, xz --list said ${at}`);
      });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
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
      found = withModuleElf(fileOf(key), textFunctions);
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
      const found = new Map<string, Set<string>>();
      const sorted = [...files].sort(([a], [b]) => a.localeCompare(b));
      const nameOf = new Map(sorted.map(([name, file]) => [file, name]));
      for (const [name, file] of sorted) if (!file.endsWith('.xz')) found.set(name, withModuleElf(file, textFunctions));
      forEachXzModule(sorted.filter(([, file]) => file.endsWith('.xz')).map(([, file]) => file), (file, elf) => {
        found.set(nameOf.get(file)!, textFunctions(elf));
      });
      lines = [];
      for (const [name] of sorted) {
        const fns = found.get(name)!;
        functionCache.set(name, fns);
        lines.push(`${name}\t${[...fns].join(' ')}`);
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
    file: (name) => {
      const f = files.get(canonicalModuleName(name));
      return f === undefined ? undefined : path.relative(opts.dir, f);
    },
    btfPath: (name) => runningBtf(name) ?? files.get(canonicalModuleName(name)),
    btf: (name, base) => {
      const key = canonicalModuleName(name);
      if (!btfCache.has(key)) {
        const live = runningBtf(key);
        let btf: Btf | undefined;
        if (live) btf = Btf.fromFile(live, base);
        else {
          btf = withModuleElf(fileOf(key), (elf) => {
            const data = elf.readSection('.BTF');
            return data ? Btf.fromBuffer(data, base) : undefined;
          });
        }
        btfCache.set(key, btf);
      }
      return btfCache.get(key);
    },
    modulesDefining: (func) => (running ? loadedDefining(func) : undefined) ?? loadIndex().get(func) ?? [],
    functionIndex: loadIndex,
  };
}
