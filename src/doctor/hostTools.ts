// The programs doctor looks for on this machine, and the gcc major version
// (a module is built with the compiler its kernel was built with).
import { spawnSync } from 'node:child_process';

/** Whether CMD runs and exits 0 (with --version by default). */
export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** gcc's major version on this machine, or undefined without gcc. */
export function hostGccMajor(): number | undefined {
  const r = spawnSync('gcc', ['-dumpversion'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const major = Number(r.stdout.trim().split('.')[0]);
  return Number.isInteger(major) ? major : undefined;
}

/** The gcc major a kernel was built with, from CONFIG_GCC_VERSION (e.g. 120200 → 12). */
export function kernelGccMajor(config: Map<string, string>): number | undefined {
  const v = Number(config.get('CONFIG_GCC_VERSION'));
  return Number.isInteger(v) && v > 0 ? Math.floor(v / 10000) : undefined;
}

/** pahole's version as kbuild compares it: `v1.24` → 124. */
export function paholeVersion(): number | undefined {
  const r = spawnSync('pahole', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /v?(\d+)\.(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}
