// Building modules with kbuild against a kernel's headers.
//
// Speed (bench/build.ts measures it):
//  - warm: the module cache is keyed by the plan, the templates and runtime
//    sources, and the headers' identity, so a repeated build of a spec is a
//    file copy and needs neither rendering nor make;
//  - cold: builds run in a kbuild tree kept per kernel. The runtime (kmod/)
//    is the same for every module, so after its first compile for a kernel
//    each of its objects (guru_runtime.o, and a family's part such as
//    guru_tracepoint.o) is kept as `NAME.o_shipped`, which kbuild links
//    as it is: a new spec then compiles only its own probes.c. (Compiling
//    the runtime again each time is unavoidable otherwise: kbuild compiles
//    every object with -DKBUILD_MODNAME of its module, so a new module name
//    means a new command line and a recompile.)
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../cacheDir.js';
import { EnvironmentError, InternalError } from '../errors.js';
import type { KernelTarget } from '../kernelFacts/kernelTarget.js';
import type { Plan } from '../plan/types.js';
import { projectRoot } from '../projectRoot.js';
import type { RenderedModule } from '../render/renderModule.js';
import { withDirectoryLock } from '../directoryLock.js';
import { buildRootCommand, buildRootSetupFailure } from './buildRootMake.js';

export interface BuildResult {
  /** The built module, inside guru's cache; copy it, don't move it. */
  koPath: string;
  cached: boolean;
  /** kbuild's output (empty for a cache hit). */
  log: string;
}

/** The runtime's sources in a rendered module: every C file but the spec's own. */
function runtimeSources(rendered: RenderedModule): string[] {
  return Object.keys(rendered.files).filter((f) => f.endsWith('.c') && f !== 'probes.c').sort();
}

function headersIdentity(target: KernelTarget): string {
  const symvers = path.join(target.headersDir, 'Module.symvers');
  const st = fs.existsSync(symvers) ? fs.statSync(symvers) : undefined;
  // A build root is another compiler: another module (host builds keep the key they always had).
  const root = target.buildRoot ? `\n${target.buildRoot}` : '';
  return `${target.release}\n${target.headersDir}\n${st?.size ?? 0}\n${st?.mtimeMs ?? 0}${root}`;
}

function sha256(...parts: string[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(`${p}\0`);
  return h.digest('hex').slice(0, 32);
}

let sourcesFingerprint: string | undefined;

/**
 * Everything besides the plan that shapes a module: templates/ and kmod/,
 * and guru's own code that renders the plan (the families' render hooks,
 * the C emitter): the code running now, src/ under jest, dist/src/ after
 * tsc, or the bundle bin/guru.js runs. Without it a change to how guru
 * renders C would be served the module an older guru built for the same
 * plan.
 */
function guruSourcesFingerprint(): string {
  if (sourcesFingerprint) return sourcesFingerprint;
  const h = crypto.createHash('sha256');
  const walk = (dir: string, keep: (name: string) => boolean = () => true): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, keep);
      else if (keep(e.name)) h.update(`${path.relative(projectRoot(), p)}\0`).update(fs.readFileSync(p)).update('\0');
    }
  };
  walk(path.join(projectRoot(), 'templates'));
  walk(path.join(projectRoot(), 'kmod'));
  // This file is dist/guru.mjs when guru runs bundled (the bundle is then
  // all of guru's code), else src/kbuild/kbuild.ts or dist/src/kbuild/kbuild.js.
  const running = fileURLToPath(import.meta.url);
  if (path.basename(running) === 'guru.mjs') h.update('bundle\0').update(fs.readFileSync(running));
  else walk(path.dirname(path.dirname(running)), (n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts'));
  sourcesFingerprint = h.digest('hex');
  return sourcesFingerprint;
}

/** Cache key of the module a plan renders to (rendering is a pure function of the plan). */
export function planBuildKey(plan: Plan, target: KernelTarget): string {
  return sha256('plan', headersIdentity(target), guruSourcesFingerprint(), JSON.stringify(plan));
}

/** Cache key of already rendered sources (batch builds). */
export function renderedBuildKey(rendered: RenderedModule, target: KernelTarget): string {
  return sha256('rendered', headersIdentity(target), ...Object.keys(rendered.files).sort().flatMap((n) => [n, rendered.files[n]]));
}

function cachedKo(key: string, module: string): string {
  return cacheDir('modules', key, `${module}.ko`);
}

function makeArgs(target: KernelTarget, dir: string): string[] {
  return ['-C', target.headersDir, `M=${dir}`, `-j${Math.max(1, os.availableParallelism())}`, 'modules'];
}

/**
 * Run kbuild, its stdout and stderr interleaved into one log; with the
 * target's build root when it has one (buildRootMake.ts). node's own spawn
 * rather than execa: a cold `guru build` is measured against a bare kbuild
 * (bench/build.ts), and importing execa alone costs about 80 ms.
 */
function runMake(target: KernelTarget, dir: string): Promise<{ ok: boolean; log: string }> {
  return new Promise((resolve, reject) => {
    const inRoot = target.buildRoot ? buildRootCommand(target.buildRoot, makeArgs(target, dir), [target.headersDir, dir]) : undefined;
    const [file, args] = inRoot ? [inRoot.file, inRoot.args] : ['make', makeArgs(target, dir)];
    const child = spawn(file, args, { env: { ...process.env, LC_ALL: 'C', ...inRoot?.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') reject(err);
      else if (inRoot) reject(new EnvironmentError('unshare is not installed (kbuild runs in a build root for this kernel)', 'apt-get install util-linux'));
      else reject(new EnvironmentError('make is not installed', 'apt-get install build-essential'));
    });
    child.on('close', (code) => resolve({ ok: code === 0, log: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** Write a file only when its content changed, so make's timestamps stay meaningful. */
function writeIfChanged(file: string, content: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return;
  fs.writeFileSync(file, content);
}

/**
 * kbuild's output when the machine, not the generated C, is at fault: a
 * missing program (the kernel's gcc-14, pahole), kbuild's programs wanting
 * a newer glibc, a compiler that does not know the kernel's flags.
 */
const ENVIRONMENT_PROBLEM = /: not found$|GLIBC_[0-9.]+' not found|unrecognized command[- ]line option|pahole .*(not found|too old)|BTF: .*pahole/;

function failure(log: string, modules: string[], target: KernelTarget): InternalError | EnvironmentError {
  const lines = log.split('\n');
  const setup = target.buildRoot ? buildRootSetupFailure(log) : undefined;
  if (setup) return setup;
  const environment = lines.filter((l) => ENVIRONMENT_PROBLEM.test(l));
  if (environment.length > 0) {
    return new EnvironmentError(
      `kbuild for ${target.release} failed because this machine lacks something the kernel's headers need:\n${environment.slice(0, 20).join('\n')}`,
      target.buildRoot
        ? `the build root ${target.buildRoot} lacks it: see guru doctor --kernel ${target.release}`
        : `see what the kernel needs: guru doctor --kernel ${target.release}; a kernel from guru's store gets a build root with its own toolchain: guru kernel add ${target.release}`,
    );
  }
  const errors = lines.filter((l) => /error|warning|undefined!|Error \d/.test(l));
  return new InternalError(
    `the generated C for ${modules.join(', ')} did not build against ${target.release}:\n` +
      (errors.length ? errors.slice(0, 40).join('\n') : log.slice(-4000)),
    'a spec guru accepts must compile: this is a guru bug; please report it with the spec (guru render shows the C)',
  );
}

function storeInCache(key: string, module: string, builtKo: string): string {
  const dest = cachedKo(key, module);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.copyFileSync(builtKo, tmp);
  fs.renameSync(tmp, dest); // readers never see a half-written .ko
  return dest;
}

/** The module for a plan if it was built before. */
export function cachedModule(plan: Plan, target: KernelTarget): string | undefined {
  const ko = cachedKo(planBuildKey(plan, target), plan.module);
  return fs.existsSync(ko) ? ko : undefined;
}

/**
 * Build the module a plan describes (cached). Rendering and make run only
 * on a cache miss.
 */
export async function buildModule(plan: Plan, target: KernelTarget): Promise<BuildResult> {
  const key = planBuildKey(plan, target);
  const hit = cachedModule(plan, target);
  if (hit) return { koPath: hit, cached: true, log: '' };
  const { renderModule } = await import('../render/renderModule.js');
  const rendered = renderModule(plan);
  const tree = cacheDir('kbuild', `${target.release}-${sha256(headersIdentity(target)).slice(0, 12)}`);
  return withDirectoryLock(tree, async () => {
    let { ok, log } = await makeInTree(tree, rendered, target, true);
    // A kbuild that cannot link the kept runtime object gets the source again.
    if (!ok) ({ ok, log } = await makeInTree(tree, rendered, target, false));
    if (!ok) throw failure(log, [rendered.module], target);
    const built = path.join(tree, `${rendered.module}.ko`);
    const koPath = storeInCache(key, rendered.module, built);
    removeModuleIntermediates(tree, rendered.module);
    return { koPath, cached: false, log };
  });
}

/** The tree is shared by every module for a kernel: drop one module's own files after its build. */
function removeModuleIntermediates(tree: string, module: string): void {
  for (const f of fs.readdirSync(tree)) {
    if (f.startsWith(`${module}.`) || f.startsWith(`.${module}.`)) fs.rmSync(path.join(tree, f), { force: true });
  }
}

/**
 * One make in the per-kernel tree. With `reuseRuntime`, a runtime object
 * kept from an earlier build (for the same runtime source) is linked as a
 * shipped object; otherwise the runtime is compiled, and kept afterwards.
 */
async function makeInTree(tree: string, rendered: RenderedModule, target: KernelTarget, reuseRuntime: boolean): Promise<{ ok: boolean; log: string }> {
  const objects = runtimeSources(rendered).map((source) => {
    const base = source.replace(/\.c$/, '');
    // Every runtime header: a family's part includes its own beside guru_runtime.h.
    const headers = Object.keys(rendered.files).filter((f) => f.endsWith('.h')).sort();
    const hash = sha256(rendered.files[source]!, ...headers.flatMap((h) => [h, rendered.files[h]!]));
    const stampFile = path.join(tree, `${base}.hash`);
    const shipped = path.join(tree, `${base}.o_shipped`);
    const reuse = reuseRuntime && fs.existsSync(shipped) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash;
    return { source, base, hash, stampFile, shipped, reuse };
  });
  for (const [name, content] of Object.entries(rendered.files)) {
    if (objects.some((o) => o.reuse && o.source === name)) continue;
    writeIfChanged(path.join(tree, name), content);
  }
  for (const o of objects) {
    if (o.reuse) {
      // With the source gone, kbuild's rule for `%: %_shipped` provides the object.
      fs.rmSync(path.join(tree, o.source), { force: true });
    } else {
      fs.rmSync(o.shipped, { force: true });
      fs.rmSync(o.stampFile, { force: true });
      fs.rmSync(path.join(tree, `${o.base}.o`), { force: true });
    }
  }
  const result = await runMake(target, tree);
  if (result.ok) {
    for (const o of objects.filter((x) => !x.reuse)) {
      fs.copyFileSync(path.join(tree, `${o.base}.o`), o.shipped);
      fs.writeFileSync(o.stampFile, o.hash);
    }
  }
  return result;
}

/**
 * Build many rendered modules in one kbuild run (one subdirectory each), for
 * tests and batch builds: make's parallelism covers them all.
 */
export async function buildModules(rendered: RenderedModule[], target: KernelTarget): Promise<{ koPaths: string[]; log: string }> {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-batch-'));
  try {
    rendered.forEach((r, i) => {
      const sub = path.join(tree, `m${i}`);
      fs.mkdirSync(sub);
      for (const [name, content] of Object.entries(r.files)) fs.writeFileSync(path.join(sub, name), content);
    });
    fs.writeFileSync(path.join(tree, 'Kbuild'), rendered.map((_, i) => `obj-m += m${i}/\n`).join(''));
    const { ok, log } = await runMake(target, tree);
    if (!ok) throw failure(log, rendered.map((r) => r.module), target);
    const koPaths = rendered.map((r, i) => storeInCache(renderedBuildKey(r, target), r.module, path.join(tree, `m${i}`, `${r.module}.ko`)));
    return { koPaths, log };
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}
