// Shared by the VM tests: the compiled CLI (tests run `node bin/guru.js`, as
// users do), a module built on the host with kbuild, and a way to find QEMU
// processes a test started (their command line carries the test's own TMPDIR,
// where runInVm puts the run folder it names on the kernel command line).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Build (npm run build: tsc, templates, the bundle bin/guru.js runs) if dist/ is older than any source; a failure names the fix. */
export async function ensureCompiledCli(): Promise<void> {
  const cli = path.join(ROOT, 'dist', 'guru.mjs');
  const built = fs.existsSync(cli) ? fs.statSync(cli).mtimeMs : 0;
  if (built > 0 && newestMtime(path.join(ROOT, 'src')) <= built) return;
  const r = await execa('npm', ['run', '--silent', 'build'], { cwd: ROOT, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`the CLI does not build; fix the errors, then: npm run build\n${r.all}`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** A private TMPDIR: runInVm's run folder lands in it, which marks this test's QEMU processes. */
export function makeMarkerTmpdir(): string {
  return fs.mkdtempSync(path.join('/tmp', 'guru-vmtest-'));
}

export function guru(args: string[], opts: { tmpdir?: string; cwd?: string; timeoutMs?: number } = {}) {
  return execa('node', [path.join(ROOT, 'bin', 'guru.js'), ...args], {
    reject: false,
    all: true,
    cwd: opts.cwd ?? ROOT,
    env: opts.tmpdir ? { TMPDIR: opts.tmpdir } : {},
    timeout: opts.timeoutMs ?? 120_000,
  });
}

/** Live (non-zombie) QEMU processes whose command line mentions MARKER. */
export function liveQemusMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (!cmdline.includes('qemu-system') || !cmdline.includes(marker)) continue;
      const state = fs.readFileSync(`/proc/${name}/stat`, 'latin1').replace(/^.*\) /, '')[0];
      if (state !== 'Z') pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return condition();
}

/** Build test/vm/fixtures/guru_vm_test.c against HEADERSDIR in a fresh folder under /tmp (the guest sees host /tmp). */
export async function buildTestModule(headersDir: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-vmtest-module-'));
  fs.copyFileSync(path.join(ROOT, 'test', 'vm', 'fixtures', 'guru_vm_test.c'), path.join(dir, 'guru_vm_test.c'));
  fs.writeFileSync(path.join(dir, 'Kbuild'), 'obj-m := guru_vm_test.o\n');
  const r = await execa('make', ['-C', headersDir, `M=${dir}`, 'modules'], { reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`kbuild against ${headersDir} failed:\n${r.all}`);
  return path.join(dir, 'guru_vm_test.ko');
}
