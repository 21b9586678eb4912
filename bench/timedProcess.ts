// Timing a whole process as a user sees it: wall-clock time, and the CPU
// time (user + sys of it and everything it waited for), which moves much
// less with other load on a shared machine than wall time does.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Time {
  wall: number;
  cpu: number;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + sys) of all children this process has waited for: cutime + cstime of /proc/self/stat. */
export function childrenCpu(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3, state
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** Run a command to completion and time it. Fails loudly on a non-zero exit. */
export function timed(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Time & { stdout: string; stderr: string } {
  const cpuBefore = childrenCpu();
  const start = performance.now();
  const r = spawnSync(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const wall = (performance.now() - start) / 1000;
  const cpu = childrenCpu() - cpuBefore;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return { wall, cpu, stdout: r.stdout, stderr: r.stderr };
}
