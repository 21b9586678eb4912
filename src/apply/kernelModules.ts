// Loading and removing modules with kmod's insmod/rmmod, and listing the
// guru modules that are loaded. node:child_process rather than execa here:
// this is the path `guru apply X.ko` takes inside a TCG guest, where every
// module loaded at start-up costs (execa's tree is ~0.25 s on the host).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { EnvironmentError, UserError } from '../errors.js';
import type { InsmodRefusal } from '../probeFamilies/types.js';

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new EnvironmentError(`${what} needs root`, 'run guru with sudo');
}

function runKmod(tool: 'insmod' | 'rmmod', args: string[]): Promise<{ ok: boolean; message: string }> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new EnvironmentError(`${tool} is not installed`, 'apt-get install kmod'));
        return;
      }
      resolve({ ok: !err, message: `${stdout}${stderr}`.trim() });
    });
  });
}

export function isLoaded(module: string): boolean {
  return fs.existsSync(`/sys/module/${module}`);
}

/** A loadable module that a probe sits in (`kprobe:af_alg:af_alg_sendmsg`), with that probe's on: text. */
export interface TargetModule {
  module: string;
  on: string;
}

/**
 * Each target module must be loaded (state live) before the patch is: its
 * probes register at insmod, and guru does not wait for a module to appear
 * (docs/spec.md, "Functions in loadable modules").
 */
function requireTargetModules(targets: readonly TargetModule[]): void {
  for (const t of targets) {
    let state: string | undefined;
    try {
      state = fs.readFileSync(`/sys/module/${t.module}/initstate`, 'utf8').trim();
    } catch {
      state = undefined;
    }
    if (state === 'live') continue;
    // kprobe:af_alg:* is a pattern over the module's functions, not one of them.
    const what = t.on.includes('*') ? 'matches functions of' : 'is a function of';
    throw new EnvironmentError(
      state === undefined ? `${t.on} ${what} the module ${t.module}, which is not loaded` : `${t.on} ${what} the module ${t.module}, which is ${state} (not live)`,
      `load it first: modprobe ${t.module}; guru registers the probe when the patch is loaded and does not wait for the module`,
    );
  }
}

/**
 * REFUSALS: how the runtime parts of the module's families refuse to load
 * (its manifest's insmodRefusals), for the hint when insmod fails.
 */
export async function insertModule(koPath: string, module: string, targets: readonly TargetModule[] = [], refusals: readonly InsmodRefusal[] = []): Promise<void> {
  requireRoot('loading a module');
  if (!fs.existsSync('/proc/modules')) {
    throw new EnvironmentError('this kernel cannot load modules (built without CONFIG_MODULES)', 'run the patch in a disposable VM: guru apply SPEC --vm debian:6.1');
  }
  if (isLoaded(module)) throw new UserError(`${module} is already loaded`, `see it with guru ps; remove it with guru rm ${module}`);
  requireTargetModules(targets);
  const r = await runKmod('insmod', [koPath]);
  if (!r.ok) {
    // A target module removed between the check and insmod: say that, not "a probe point was refused".
    requireTargetModules(targets);
    const hint = /Invalid module format|Exec format error/.test(r.message)
      ? 'the module was built for another kernel: build it with --kernel $(uname -r)'
      : /Key was rejected|Required key not available/.test(r.message)
        ? 'module signature enforcement or lockdown refuses unsigned modules: see guru doctor'
        : /Invalid (argument|parameters)|Unknown symbol|No such file/.test(r.message)
          ? 'a probe point was refused by this kernel: dmesg shows which (a function that is inlined, blacklisted, or an offset that is not an instruction boundary)'
          : refusals.find((x) => r.message.includes(x.error))?.hint;
    throw new EnvironmentError(`insmod ${koPath} failed: ${r.message}`, hint);
  }
}

export async function removeModule(module: string): Promise<void> {
  requireRoot('removing a module');
  if (!isLoaded(module)) return;
  const r = await runKmod('rmmod', [module]);
  if (!r.ok) {
    throw new EnvironmentError(`rmmod ${module} failed: ${r.message}`, /in use/.test(r.message) ? 'a guru apply session still holds it; stop that session (Ctrl-C) first' : undefined);
  }
}

/** Names of the loaded guru modules. */
export function loadedGuruModules(): string[] {
  if (!fs.existsSync('/proc/modules')) return [];
  return fs
    .readFileSync('/proc/modules', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith('guru_'))
    .sort();
}
