// guru's cache folder: built modules, kbuild trees, the kernel store, VM
// images. `GURU_CACHE` overrides; root uses /var/cache/guru, others
// ~/.cache/guru.
import os from 'node:os';
import path from 'node:path';

export function cacheDir(...sub: string[]): string {
  const base =
    process.env.GURU_CACHE ??
    (process.getuid?.() === 0 ? '/var/cache/guru' : path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'guru'));
  return path.join(base, ...sub);
}
