// `stap -p4` in the anchor root: a SystemTap script built into a module for
// a stored kernel, with stap's own pass times (-v: "Pass 4: compiled C
// into ... in 1230usr/450sys/2100real ms."). Where stap cannot build for the
// kernel, its error is the result (the benchmarks record it verbatim).
import fs from 'node:fs';
import path from 'node:path';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { shellQuote } from '../../src/vm/shellQuote.js';
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
}

export interface StapBuildOptions {
  /** Module name (stap -m). */
  name: string;
  /** Guru mode (-g): writes to $vars. */
  guru?: boolean;
  /** Empty stap's cache first (~/.systemtap in the root): a cold build. */
  cold?: boolean;
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
  const args = ['stap', '-v', '-p4', '-r', kernel.release, '-m', opts.name, ...(opts.guru ? ['-g'] : []), file];
  const sh = [`cd ${shellQuote(opts.outDir)}`, ...(opts.cold ? ['rm -rf /root/.systemtap'] : []), args.map(shellQuote).join(' ')].join(' && ');
  const r = await inAnchorRoot(sh, [opts.outDir]);
  const ko = path.join(opts.outDir, `${opts.name}.ko`);
  if (r.exitCode === 0 && fs.existsSync(ko)) return { ko, seconds: r.seconds, passMs: parsePassTimes(r.stderr) };
  const tail = r.stderr.split('\n').filter((l) => l.trim() && !/^Pass \d: .* in \d+usr/.test(l)).slice(-12).join('\n');
  return { error: `stap -p4 -r ${kernel.release} exited ${r.exitCode}:\n${tail}`, seconds: r.seconds, passMs: parsePassTimes(r.stderr) };
}
