// Building rendered modules with kbuild against a kernel's headers.
//
// Speed: a cache keyed by the content of every source file plus the kernel
// release and headers makes a repeated build a file copy. A cold build runs
// in a kbuild tree kept per kernel, where files are only rewritten when
// they change, so make recompiles just the generated probes.c and reuses
// the runtime's object from the previous build for that kernel.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../cacheDir.js';
import { EnvironmentError, InternalError } from '../errors.js';
import type { KernelTarget } from '../kernel/kernelTarget.js';
import type { RenderedModule } from '../render/renderModule.js';
import { withDirectoryLock } from './directoryLock.js';

export interface BuildResult {
  /** The built module, inside guru's cache; copy it, don't move it. */
  koPath: string;
  cached: boolean;
  /** kbuild's output (empty for a cache hit). */
  log: string;
}

function headersIdentity(target: KernelTarget): string {
  const symvers = path.join(target.headersDir, 'Module.symvers');
  const st = fs.existsSync(symvers) ? fs.statSync(symvers) : undefined;
  return `${target.release}\n${target.headersDir}\n${st?.size ?? 0}\n${st?.mtimeMs ?? 0}`;
}

export function buildKey(rendered: RenderedModule, target: KernelTarget): string {
  const h = crypto.createHash('sha256');
  h.update(headersIdentity(target));
  for (const name of Object.keys(rendered.files).sort()) h.update(`\0${name}\0${rendered.files[name]}`);
  return h.digest('hex').slice(0, 32);
}

function makeArgs(target: KernelTarget, dir: string): string[] {
  return ['-C', target.headersDir, `M=${dir}`, `-j${Math.max(1, os.availableParallelism())}`, 'modules'];
}

async function runMake(target: KernelTarget, dir: string): Promise<{ ok: boolean; log: string }> {
  try {
    const r = await execa('make', makeArgs(target, dir), { all: true, reject: false, env: { LC_ALL: 'C' } });
    return { ok: r.exitCode === 0, log: r.all ?? '' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EnvironmentError('make is not installed', 'apt-get install build-essential');
    }
    throw err;
  }
}

/** Write a file only when its content changed, so make's timestamps stay meaningful. */
function writeIfChanged(file: string, content: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return;
  fs.writeFileSync(file, content);
}

function failure(log: string, rendered: RenderedModule[], target: KernelTarget): InternalError {
  const errors = log.split('\n').filter((l) => /error|warning|undefined!|Error \d/.test(l));
  return new InternalError(
    `the generated C for ${rendered.map((r) => r.module).join(', ')} did not build against ${target.release}:\n` +
      (errors.length ? errors.slice(0, 40).join('\n') : log.slice(-4000)),
    'a spec guru accepts must compile: this is a guru bug; please report it with the spec (guru render shows the C)',
  );
}

function storeInCache(key: string, module: string, builtKo: string): string {
  const dir = cacheDir('modules', key);
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, `${module}.ko`);
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.copyFileSync(builtKo, tmp);
  fs.renameSync(tmp, dest); // readers never see a half-written .ko
  return dest;
}

export function cachedModule(rendered: RenderedModule, target: KernelTarget): string | undefined {
  const ko = cacheDir('modules', buildKey(rendered, target), `${rendered.module}.ko`);
  return fs.existsSync(ko) ? ko : undefined;
}

export async function buildModule(rendered: RenderedModule, target: KernelTarget): Promise<BuildResult> {
  const key = buildKey(rendered, target);
  const hit = cachedModule(rendered, target);
  if (hit) return { koPath: hit, cached: true, log: '' };

  const tree = cacheDir('kbuild', `${target.release}-${crypto.createHash('sha256').update(headersIdentity(target)).digest('hex').slice(0, 12)}`);
  return withDirectoryLock(tree, async () => {
    for (const [name, content] of Object.entries(rendered.files)) writeIfChanged(path.join(tree, name), content);
    const { ok, log } = await runMake(target, tree);
    if (!ok) throw failure(log, [rendered], target);
    const built = path.join(tree, `${rendered.module}.ko`);
    const koPath = storeInCache(key, rendered.module, built);
    fs.rmSync(built);
    return { koPath, cached: false, log };
  });
}

/**
 * Build many modules in one kbuild run (one subdirectory each), for tests
 * and batch builds: make's parallelism covers them all.
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
    if (!ok) throw failure(log, rendered, target);
    const koPaths = rendered.map((r, i) => storeInCache(buildKey(r, target), r.module, path.join(tree, `m${i}`, `${r.module}.ko`)));
    return { koPaths, log };
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}
