// Runtime tests load real modules into Debian's kernels under QEMU: the
// stored kernel (added on first use), modules built on the host for it, and
// one guest shell script per VM boot. They run on each kernel of
// GURU_TEST_KERNELS (describeEachKernel); specs that name one kernel's
// internals have per-kernel variants (specFor). The guest sees the host's files, so
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
  const cli = path.resolve('dist/guru.mjs');
  if (!fs.existsSync(cli)) throw new Error('guru is not built; fix: npm run build (npm test does it)');
  return `${process.execPath} ${path.resolve('bin/guru.js')}`;
}

/**
 * The kernels the build and VM tests run on, from GURU_TEST_KERNELS
 * (comma-separated kernel names: debian:6.1,debian:6.12,debian:7.3);
 * debian:6.1 when it is not set. scripts/test.sh sets all three.
 */
export function testKernels(): string[] {
  const text = process.env.GURU_TEST_KERNELS?.trim();
  return text ? text.split(',').map((k) => k.trim()).filter(Boolean) : [DEFAULT_TEST_KERNEL];
}

export const DEFAULT_TEST_KERNEL = 'debian:6.1';

/** The stored kernel REF names, added on first use; a failure says how to add it. */
export async function testKernel(ref: string): Promise<StoredKernel> {
  try {
    return await ensureKernel(ref);
  } catch (err) {
    throw new Error(`cannot get ${ref} into guru's kernel store: ${(err as Error).message}\nfix: bash scripts/setup.sh && node bin/guru.js kernel add ${ref}`);
  }
}

/**
 * The tests BODY declares, once per test kernel, each group named
 * `on debian:7.3` so every result says which kernel it came from:
 *
 *   describeEachKernel((storedKernel) => {
 *     test('...', async () => { const kernel = await storedKernel(); ... });
 *   });
 *
 * storedKernel() is the stored kernel (resolved once per group); ref is its name,
 * for per-kernel expectations and variant specs (specFor).
 */
export function describeEachKernel(body: (kernel: () => Promise<StoredKernel>, ref: string) => void): void {
  describeOnKernels(testKernels(), body);
}

function describeOnKernels(refs: string[], body: (kernel: () => Promise<StoredKernel>, ref: string) => void): void {
  describe.each(refs)('on %s', (ref) => {
    let stored: Promise<StoredKernel> | undefined;
    body(() => (stored ??= testKernel(ref)), ref);
  });
}

/**
 * Like describeEachKernel, but on the first test kernel only unless
 * GURU_TEST_MATRIX=full: for tests of code that is the same on every
 * kernel (guru's supervision and event channel: signals, ttl, several
 * modules, drops, record sizes) and for the long tests whose
 * kernel-specific part the core set checks on every kernel already
 * (kbuild/examples, echoOneByte, echoStatement, typedWildcards,
 * moduleFunctions, uprobes, uprobeArming and uprobeUserReads (the uprobe
 * API and its handlers' context differ per kernel), tracepointCounts,
 * seedWords use describeEachKernel). The
 * whole matrix took npm test past CI's hour: measured at 04:20-05:30 on
 * 2026-12-02, 30 of 79 files in 64 min of jest time at load 8-13.
 */
export function describeOnFirstKernel(body: (kernel: () => Promise<StoredKernel>, ref: string) => void): void {
  describeOnKernels(process.env.GURU_TEST_MATRIX === 'full' ? testKernels() : testKernels().slice(0, 1), body);
}

/** Debian's 6.1 kernel (tests that are about that kernel only). */
export async function debianKernel(): Promise<StoredKernel> {
  return testKernel('debian:6.1');
}

/** Debian 12's 6.12 kernel (tests that are about that kernel only). */
export async function debian612Kernel(): Promise<StoredKernel> {
  return testKernel('debian:6.12');
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

/** Compile a test program from test/fixtures/programs to DIR/NAME (NAME sets its comm), with gcc's FLAGS (['-static']). */
export async function compileProgram(source: string, dir: string, name: string, flags: readonly string[] = []): Promise<string> {
  const out = path.join(dir, name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await execa('gcc', ['-O2', '-pthread', ...flags, '-o', out, path.resolve('test/fixtures/programs', source)]);
  return out;
}

export interface GuestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * What in a guest's kernel log means the kernel went wrong: oopses, BUG and
 * WARNING splats, lockups and stalls, list/refcount corruption, lockdep
 * reports. Every runGuestScript ends by checking the whole log for them.
 */
export const KERNEL_PROBLEMS =
  'BUG:|WARNING:|Oops|general protection fault|kernel BUG|Call Trace:|INFO: |detected stall|corruption|refcount_t:|UBSAN|Kernel panic|lockdep|DEBUG_LOCKS_WARN_ON|inconsistent lock state|possible (circular|recursive) locking';

export interface GuestOptions {
  timeoutMs?: number;
  /** Guest CPUs (default: the VM's, one under TCG). */
  cpus?: number;
  /** Extra kernel command-line words. */
  kernelArgs?: string[];
  /**
   * Run the guest CPUs at once (multi-threaded TCG) instead of in turn: for
   * tests of what CPUs do at the same time. Only where nothing runs a probed
   * function while kprobes are armed or disarmed (vmPolicy.ts tcgThreads).
   */
  tcgThreads?: 'single' | 'multi';
  /**
   * Count guest instructions for the guest's clock (QEMU -icount, one
   * thread): a sleep then lasts its time in the guest however loaded the
   * host is, for tests that assert how long something took in the guest.
   */
  icount?: boolean;
}

/**
 * Run SCRIPT as root in a VM on KERNEL. Afterwards the guest's kernel log
 * must hold no oops, WARN, BUG or lockdep splat (KERNEL_PROBLEMS): if it
 * does, this throws with those lines, whatever the script printed.
 */
export async function runGuestScript(kernel: StoredKernel, script: string, options: number | GuestOptions = {}): Promise<GuestRun> {
  const { timeoutMs = 240_000, cpus, kernelArgs, tcgThreads, icount } = typeof options === 'number' ? { timeoutMs: options } : options;
  const checked = [
    '(',
    script,
    ')',
    '__guru_rc=$?',
    `printf '[guru-kernel-problems:'; dmesg | grep -E '${KERNEL_PROBLEMS}'; printf ']<<\\n'`,
    'exit $__guru_rc',
  ].join('\n');
  const r = await runInVm({ kernel, argv: ['sh', '-c', checked], timeoutMs, stdio: 'pipe', cwd: process.cwd(), cpus, kernelArgs, tcgThreads, icount });
  if (r.timedOut) throw new Error(`the guest script timed out after ${timeoutMs} ms`);
  const run = { exitCode: r.exitCode, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
  const problems = markers(run.stdout).get('guru-kernel-problems');
  if (problems === undefined) throw new Error(`the guest script did not reach its kernel-log check:\n${run.stdout}\n${run.stderr}`);
  if (problems.trim()) throw new Error(`the guest's kernel log shows a problem:\n${problems}\n(script output:\n${run.stdout}\n${run.stderr})`);
  return run;
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
