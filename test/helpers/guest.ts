// Runtime tests load real modules into Debian's 6.1 kernel under QEMU: the
// stored kernel (added on first use), modules built on the host for it, and
// one guest shell script per VM boot. The guest sees the host's files, so
// paths under the project and /tmp mean the same thing on both sides.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildModule } from '../../src/kbuild/kbuild.js';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { readSpecFile } from '../../src/pipeline.js';
import { runInVm } from '../../src/vm/runInVm.js';

/** The guru CLI as the guest runs it (the host's node and compiled guru). */
export function guruCommand(): string {
  const cli = path.resolve('dist/src/cli.js');
  if (!fs.existsSync(cli)) throw new Error('guru is not compiled; fix: npm run build (npm test does it)');
  return `${process.execPath} ${path.resolve('bin/guru.js')}`;
}

export async function debianKernel(): Promise<StoredKernel> {
  try {
    return await ensureKernel('debian:6.1');
  } catch (err) {
    throw new Error(`cannot get Debian's 6.1 kernel into guru's store: ${(err as Error).message}\nfix: bash scripts/setup.sh && node bin/guru.js kernel add debian:6.1`);
  }
}

export async function debian612Kernel(): Promise<StoredKernel> {
  try {
    return await ensureKernel('debian:6.12');
  } catch (err) {
    throw new Error(`cannot get Debian's 6.12 kernel into guru's store: ${(err as Error).message}\nfix: node bin/guru.js kernel add debian:6.12`);
  }
}

export async function buildFor(kernel: StoredKernel, specFile: string): Promise<string> {
  const target = storedKernelTarget(kernel);
  const plan = buildPlan(readSpecFile(specFile), headersKernelFacts(target));
  return (await buildModule(plan, target)).koPath;
}

/** A host temp dir the guest can read; removed by the caller. */
export function hostTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'guru-rt-'));
}

/** Compile a test program from test/fixtures/programs to DIR/NAME (NAME sets its comm). */
export async function compileProgram(source: string, dir: string, name: string): Promise<string> {
  const out = path.join(dir, name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await execa('gcc', ['-O2', '-pthread', '-o', out, path.resolve('test/fixtures/programs', source)]);
  return out;
}

export interface GuestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runGuestScript(kernel: StoredKernel, script: string, timeoutMs = 240_000): Promise<GuestRun> {
  const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs, stdio: 'pipe', cwd: process.cwd() });
  if (r.timedOut) throw new Error(`the guest script timed out after ${timeoutMs} ms`);
  return { exitCode: r.exitCode, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
}

/** `[name:contents]` markers the guest scripts print, as a map. */
export function markers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\[([A-Za-z0-9_.-]+):([\s\S]*?)\]<</g)) out.set(m[1], m[2]);
  return out;
}

/** Shell that prints FILE's contents as a marker: [name:...]<< */
export function showFile(name: string, file: string): string {
  return `printf '[${name}:'; cat ${file} 2>&1; printf ']<<\\n'`;
}

/** Shell: wait until MODULE is armed (or 10 s pass). */
export function waitArmed(module: string): string {
  return `i=0; while ! grep -q 'state armed' /sys/class/misc/${module}/stats 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`;
}

export const AS_USER = 'setpriv --reuid=1000 --regid=1000 --clear-groups';
