// `stap -p4` in the anchor root: a SystemTap script built into a module for
// a stored kernel, with stap's own pass times (-v: "Pass 4: compiled C
// into ... in 1230usr/450sys/2100real ms."). Where stap cannot build for the
// kernel, its error is the result (the benchmarks record it verbatim).
import fs from 'node:fs';
import path from 'node:path';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { shellQuote } from '../../src/vm/shellQuote.js';
import { anchorRootTree } from './anchorRoot.js';
import { inAnchorRoot, prepareKernel } from './inAnchorRoot.js';

export interface StapBuild {
  /** The module (in OUTDIR), when stap built one. */
  ko?: string;
  /** stap's own message when it did not (its last lines). */
  error?: string;
  /** Wall seconds of the whole stap process (in the root, as timed from outside the chroot). */
  seconds: number;
  /** stap -v's real milliseconds per pass (1 parse, 2 elaborate, 3 translate to C, 4 compile). */
  passMs: Record<number, number>;
  /** stap took the module from its cache (Pass 4: using cached). */
  cached?: boolean;
}

export interface StapBuildOptions {
  /** The script's file name in OUTDIR (NAME.stp); the module is stap's own stap_HASH.ko there. */
  name: string;
  /** Guru mode (-g): writes to $vars. */
  guru?: boolean;
  /** Empty stap's cache first: a cold build. */
  cold?: boolean;
  /**
   * stap's cache and its kernel feature tests (SYSTEMTAP_DIR, in the root):
   * a benchmark that empties it has one of its own, so benchmarks run at
   * once (npm run bench -- --parallel) do not empty each other's.
   */
  stapDir?: string;
  outDir: string;
}

export function parsePassTimes(stderr: string): Record<number, number> {
  const passes: Record<number, number> = {};
  for (const m of stderr.matchAll(/^Pass (\d): .* in \d+usr\/\d+sys\/(\d+)real ms\.$/gm)) passes[Number(m[1])] = Number(m[2]);
  return passes;
}

export async function stapBuild(kernel: StoredKernel, script: string, opts: StapBuildOptions): Promise<StapBuild> {
  prepareKernel(kernel);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const file = path.join(opts.outDir, `${opts.name}.stp`);
  fs.writeFileSync(file, script);
  // No -m: stap does not use its cache for a module named on the command line.
  const args = ['stap', '-v', '-p4', '-r', kernel.release, ...(opts.guru ? ['-g'] : []), file];
  const stapDir = opts.stapDir ?? '/root/.systemtap';
  const sh = [`cd ${shellQuote(opts.outDir)}`, ...(opts.cold ? [`rm -rf ${shellQuote(stapDir)}`] : []), `SYSTEMTAP_DIR=${shellQuote(stapDir)} ${args.map(shellQuote).join(' ')}`].join(' && ');
  const r = await inAnchorRoot(sh, [opts.outDir]);
  // -p4 prints the module's path: in stap's cache (in the root), or the cwd.
  const built = r.stdout.trim().split('\n').pop()?.trim();
  if (r.exitCode === 0 && built?.endsWith('.ko')) {
    // Under its own file name: staprun takes the module's name (its control channel) from it.
    const ko = path.join(opts.outDir, path.basename(built));
    if (path.isAbsolute(built)) fs.copyFileSync(path.join(anchorRootTree(), built), ko);
    return { ko, seconds: r.seconds, passMs: parsePassTimes(r.stderr), cached: /^Pass 4: using cached/m.test(r.stderr) };
  }
  // The compiler's first errors say why; stap's last lines say which pass gave up.
  const lines = r.stderr.split('\n').filter((l) => l.trim() && !/^Pass \d: .* in \d+usr/.test(l));
  const errors = lines.filter((l) => /\berror\b/i.test(l) && !/^make|WARNING: kbuild/.test(l)).slice(0, 4);
  const tail = [...errors, ...(errors.length ? ['...'] : []), ...lines.slice(-4)].join('\n');
  return { error: `stap -p4 -r ${kernel.release} exited ${r.exitCode}:\n${tail}`, seconds: r.seconds, passMs: parsePassTimes(r.stderr) };
}
