// guru vm against a real Debian 6.1 kernel under QEMU (no mocks): output and
// exit codes travel back, timeouts and a killed guru leave no QEMU behind,
// the guest sees host files without writing them, host-built modules load,
// and unprivileged users work. Each test boots its own VM (~3-6 s under TCG).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { runInVm, VM_TIMEOUT_EXIT_CODE } from '../../src/vm/runInVm.js';
import { buildTestModule, ensureCompiledCli, guru, liveQemusMentioning, makeMarkerTmpdir, waitFor } from './vmTestSupport.js';

/** Per test: one boot, plus slack for a loaded CI machine. */
const VM_TEST_TIMEOUT = 180_000;

let kernel: StoredKernel;
const tmpdirs: string[] = [];

beforeAll(async () => {
  try {
    kernel = await ensureKernel('debian:6.1');
  } catch (err) {
    throw new Error(`cannot get the Debian 6.1 kernel into the store (${(err as Error).message}); fix: bash scripts/setup.sh && node bin/guru.js kernel add debian:6.1`);
  }
  await ensureCompiledCli();
}, 600_000);

afterAll(() => {
  for (const d of tmpdirs) fs.rmSync(d, { recursive: true, force: true });
});

function markerTmpdir(): string {
  const d = makeMarkerTmpdir();
  tmpdirs.push(d);
  return d;
}

test('guru vm -- uname -r prints the stored release', async () => {
  const r = await guru(['vm', '--kernel', 'debian:6.1', '--', 'uname', '-r']);
  expect(r.stdout).toBe(kernel.release);
  expect(r.exitCode).toBe(0);
}, VM_TEST_TIMEOUT);

test("the command's exit code becomes guru's, and stdout/stderr stay apart", async () => {
  const r = await guru(['vm', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
  expect(r.stdout).toBe('to-out');
  expect(r.stderr).toBe('to-err');
  expect(r.exitCode).toBe(7);
}, VM_TEST_TIMEOUT);

test('a timeout ends with its own exit code and message, and leaves no QEMU', async () => {
  const tmpdir = markerTmpdir();
  const started = Date.now();
  const r = await guru(['vm', '--timeout', '3s', '--', 'sleep', '600'], { tmpdir });
  expect(r.exitCode).toBe(VM_TIMEOUT_EXIT_CODE);
  expect(r.stderr).toMatch(/timed out after 3s/);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(liveQemusMentioning(tmpdir)).toEqual([]);
}, VM_TEST_TIMEOUT);

test('SIGKILL of guru mid-run leaves no QEMU within two seconds', async () => {
  const tmpdir = markerTmpdir();
  const child = guru(['vm', '--', 'sleep', '600'], { tmpdir });
  expect(await waitFor(() => liveQemusMentioning(tmpdir).length === 1, 30_000)).toBe(true);
  // Let it get well into the boot, then kill guru where no handler can run.
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGKILL');
  await child;
  expect(await waitFor(() => liveQemusMentioning(tmpdir).length === 0, 2000)).toBe(true);
}, VM_TEST_TIMEOUT);

test('the guest sees host files, and its writes do not reach the host', async () => {
  const dir = markerTmpdir();
  const hostFile = path.join(dir, 'host.txt');
  fs.writeFileSync(hostFile, 'from the host\n');
  const script = `cat ${hostFile}; echo changed > ${hostFile}; echo new > ${dir}/guest.txt; cat ${hostFile} ${dir}/guest.txt; touch /etc/guru-guest-was-here && echo root-writable`;
  const r = await guru(['vm', '--', 'sh', '-c', script]);
  expect(r.stdout).toBe('from the host\nchanged\nnew\nroot-writable');
  expect(r.exitCode).toBe(0);
  expect(fs.readFileSync(hostFile, 'utf8')).toBe('from the host\n');
  expect(fs.existsSync(path.join(dir, 'guest.txt'))).toBe(false);
  expect(fs.existsSync('/etc/guru-guest-was-here')).toBe(false);
}, VM_TEST_TIMEOUT);

test('a module built on the host against the stored headers loads in the guest', async () => {
  const ko = await buildTestModule(kernel.headersDir);
  tmpdirs.push(path.dirname(ko));
  const r = await guru(['vm', '--', 'sh', '-c', `insmod ${ko} && grep -c '^guru_vm_test ' /proc/modules && ls -l /dev/guru_vm_test && modinfo -F vermagic ${ko}`]);
  expect(r.stderr).toBe('');
  const [count, dev, vermagic] = r.stdout.split('\n');
  expect(count).toBe('1');
  expect(dev).toMatch(/^crw-rw-rw- .* \/dev\/guru_vm_test$/);
  expect(vermagic).toMatch(new RegExp(`^${kernel.release.replace(/[.+]/g, '\\$&')} `));
  expect(r.exitCode).toBe(0);
}, VM_TEST_TIMEOUT);

test('commands run as uid 1000 (setpriv) with a writable /tmp and the stored kernel modules', async () => {
  const r = await guru([
    'vm',
    '--',
    'sh',
    '-c',
    'setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "id -u; id -g; echo ok > /tmp/uid1000-$$ && cat /tmp/uid1000-$$"; ls /lib/modules; test -f /lib/modules/$(uname -r)/modules.dep && echo has-modules-dep',
  ]);
  expect(r.stdout.split('\n')).toEqual(['1000', '1000', 'ok', kernel.release, 'has-modules-dep']);
  expect(r.exitCode).toBe(0);
}, VM_TEST_TIMEOUT);

test("the kernel's module autoloader loads the stored kernel's modules (filesystem types)", async () => {
  // squashfs and vfat are modules on every Debian kernel; nothing loads them here but request_module.
  const r = await guru(['vm', '--', 'sh', '-c', 'for t in squashfs vfat; do mount -t $t none /mnt 2>/dev/null; done; grep -oE "^(squashfs|vfat) " /proc/modules | sort']);
  expect(r.stdout.split('\n')).toEqual(['squashfs ', 'vfat ']);
}, VM_TEST_TIMEOUT);

test('runInVm: cwd, env, and megabytes of output arrive complete', async () => {
  const dir = markerTmpdir();
  const r = await runInVm({
    kernel,
    argv: ['sh', '-c', 'pwd; echo "$GURU_TEST_VALUE"; head -c 3000000 /dev/zero | tr "\\0" x; echo; seq 1 5 >&2; exit 3'],
    cwd: dir,
    env: { GURU_TEST_VALUE: "it's here" },
    timeoutMs: 120_000,
    stdio: 'pipe',
  });
  expect(r.exitCode).toBe(3);
  expect(r.timedOut).toBe(false);
  const lines = r.stdout!.toString().split('\n');
  expect(lines[0]).toBe(dir);
  expect(lines[1]).toBe("it's here");
  expect(crypto.createHash('sha256').update(lines[2]).digest('hex')).toBe(crypto.createHash('sha256').update('x'.repeat(3_000_000)).digest('hex'));
  expect(r.stderr!.toString()).toBe('1\n2\n3\n4\n5\n');
  expect(['kvm', 'tcg']).toContain(r.accel);
}, VM_TEST_TIMEOUT);

test('the guest runs the host node', async () => {
  const { stdout: hostVersion } = await execa(process.execPath, ['--version']);
  const r = await runInVm({ kernel, argv: [process.execPath, '-e', 'console.log(process.version, require("os").release())'], timeoutMs: 120_000, stdio: 'pipe' });
  expect(r.stdout!.toString().trim()).toBe(`${hostVersion} ${kernel.release}`);
  expect(r.exitCode).toBe(0);
}, VM_TEST_TIMEOUT);

test('without --kaslr the kernel sits where System.map says; with it, it moves', async () => {
  const text = fs.readFileSync(kernel.systemMap, 'utf8').match(/^([0-9a-f]+) T _text$/m)![1];
  const plain = await guru(['vm', '--', 'sh', '-c', 'grep " T _text$" /proc/kallsyms']);
  expect(plain.stdout).toBe(`${text} T _text`);
  const randomized = await guru(['vm', '--kaslr', '--', 'sh', '-c', 'grep " T _text$" /proc/kallsyms']);
  expect(randomized.exitCode).toBe(0);
  expect(randomized.stdout).toMatch(/^[0-9a-f]{16} T _text$/);
  expect(randomized.stdout).not.toBe(plain.stdout);
}, VM_TEST_TIMEOUT);
