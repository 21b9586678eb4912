// The Vagrant box (Vagrantfile: debian/trixie64), as close to `vagrant up`
// as these machines allow: a Debian 13 root (test/helpers/trixieBox.ts) is
// provisioned by the Vagrantfile's own script (scripts/provision-vagrant.sh,
// which runs scripts/setup.sh: Node.js 20.19 and npm from Debian, trixie's
// 6.12 headers, npm ci), then guru checks and builds there against trixie's
// headers with trixie's gcc-14, in place; trixie's 6.12 kernel (the box's,
// from guru's kernel store) boots in a VM that enters the box, where
// `sudo guru doctor` says patches apply and `sudo guru apply SPEC --as
// vagrant --run '/bin/echo hello'` prints h; and `guru apply --vm debian:6.1`
// works from inside the box too. The root and the box's own kernel store stay
// in guru's cache: the first run takes about 15 minutes, later ones a few.
import fs from 'node:fs';
import path from 'node:path';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { markers, runGuestScript } from '../helpers/guest.js';
import { enterBoxInGuest, ensureTrixieBox, inBox, syncCheckout, type BoxRun } from '../helpers/trixieBox.js';

let root: string;
let provision: BoxRun;
let release: string;

const show = (run: BoxRun): string => `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

beforeAll(async () => {
  root = await ensureTrixieBox();
  syncCheckout(root);
  provision = await inBox(root, 'cd /vagrant && bash scripts/provision-vagrant.sh', 1_800_000);
  release = /setup: headers of Debian's kernel (\S+) in/.exec(provision.stdout)?.[1] ?? '';
}, 1_800_000);

test('scripts/provision-vagrant.sh provisions the box: Node 20.19 from Debian, trixie headers, npm ci, guru on PATH', () => {
  if (provision.exitCode !== 0) throw new Error(`provisioning failed:\n${show(provision)}`);
  expect(release).toMatch(/^6\.12\.\d+\+deb13-amd64$/);
  expect(provision.stdout).toMatch(/^provision: guru is \/usr\/local\/bin\/guru, node v20\.(19|[2-9]\d)\.\d+, kernel /m);
  // The synced checkout is as it was: npm ci installs from the lock and rewrites nothing.
  for (const f of ['package.json', 'package-lock.json']) expect(fs.readFileSync(path.join(root, 'vagrant', f), 'utf8')).toBe(fs.readFileSync(f, 'utf8'));
});

test("guru check and guru build in the box, against trixie's headers with its own gcc-14", async () => {
  const r = await inBox(
    root,
    [
      'cd /vagrant',
      `guru check examples/echo-one-byte.yaml --kernel ${release}`,
      `guru build examples/echo-one-byte.yaml --kernel ${release} -o /root/echo.ko`,
      'modinfo -F vermagic /root/echo.ko',
      "x86_64-linux-gnu-gcc --version | head -1",
    ].join(' && '),
  );
  if (r.exitCode !== 0) throw new Error(show(r));
  expect(r.stdout).toContain(`guru_echo_one_byte: 2 probes for ${release}`);
  expect(r.stdout).toContain('    guard: uid 1000, comm echo, if: $count > 1');
  expect(r.stdout).toContain(`/root/echo.ko: guru_echo_one_byte for ${release}`);
  expect(r.stdout).toMatch(new RegExp(`^${release.replace(/[+.]/g, '\\$&')} SMP preempt mod_unload modversions`, 'm'));
  expect(r.stdout).toMatch(/gcc.* 14\.\d/);
}, 600_000);

test("on the box's own kernel (trixie's 6.12, booted in a VM): sudo guru doctor says it works, sudo guru apply SPEC --as vagrant prints h", async () => {
  let kernel: StoredKernel;
  try {
    kernel = await ensureKernel('debian:trixie');
  } catch (err) {
    throw new Error(`cannot get trixie's kernel into guru's store: ${(err as Error).message}\nfix: node bin/guru.js kernel add debian:trixie`);
  }
  if (kernel.release !== release) {
    throw new Error(`the box has headers for ${release}, guru's store has trixie's ${kernel.release}; fix: rm -rf ${root} (a fresh box) or node bin/guru.js kernel rm ${kernel.release} && node bin/guru.js kernel add debian:trixie`);
  }
  const inside = [
    'cd /vagrant',
    `printf '[uname:%s]<<\\n' "$(uname -r)"`,
    'guru doctor > /tmp/doctor 2>&1; echo "[doctor-exit:$?]<<"',
    `printf '[doctor:'; cat /tmp/doctor; printf ']<<\\n'`,
    `guru apply examples/echo-one-byte.yaml --as vagrant --run '/bin/echo hello' > /tmp/out 2> /tmp/summary; echo "[apply-exit:$?]<<"`,
    `printf '[out:'; cat /tmp/out; printf ']<<\\n'`,
    `printf '[summary:'; cat /tmp/summary; printf ']<<\\n'`,
  ].join('\n');
  const run = await runGuestScript(kernel, enterBoxInGuest(root, inside), { timeoutMs: 600_000 });
  const seen = markers(run.stdout);
  if (seen.get('apply-exit') !== '0') throw new Error(`${run.stdout}\n${run.stderr}`);
  expect(seen.get('uname')).toBe(release);
  expect(seen.get('doctor')).toMatch(/^ok {4}CONFIG_MODULES: this kernel loads modules$/m);
  expect(seen.get('doctor')).toMatch(/^ok {4}headers: kernel headers in /m);
  expect(seen.get('doctor')).toMatch(/guru apply works here\.\n$/);
  expect(seen.get('doctor-exit')).toBe('0');
  expect(seen.get('out')).toBe('hcount:1, buf:hello\n');
  expect(seen.get('summary')).toMatch(/events: 1 emitted = 1 delivered \+ 0 dropped/);
}, 900_000);

test('inside the box, guru apply --vm debian:6.1 --as 1000 prints h too', async () => {
  const r = await inBox(root, `cd /vagrant && guru apply examples/echo-one-byte.yaml --vm debian:6.1 --as 1000 --run '/bin/echo hello'`, 1_200_000);
  if (r.exitCode !== 0) throw new Error(show(r));
  expect(r.stdout).toBe('hcount:1, buf:hello\n');
  expect(r.stderr).toMatch(/events: 1 emitted = 1 delivered \+ 0 dropped/);
}, 1_200_000);
