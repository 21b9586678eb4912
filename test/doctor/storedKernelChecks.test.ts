// guru doctor --kernel K: the checks for building for K and applying in a
// VM on it, from K's .config and this machine's tools (fakes here), their
// verdict and exit code; then the command against the real kernel store.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { runningKernelVerdict, storedKernelVerdict } from '../../src/doctor/doctorVerdict.js';
import { parseKernelConfig } from '../../src/doctor/kernelConfig.js';
import { storedKernelChecks, type HostFacts, type StoredKernelFacts } from '../../src/doctor/storedKernelChecks.js';
import { EnvironmentError } from '../../src/errors.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { debianKernel } from '../helpers/guest.js';

const kernel = {
  release: '6.12.117+deb13-amd64',
  packageVersion: '6.12.117-1',
  dir: '/cache/kernels/6.12.117+deb13-amd64',
  headersDir: '/cache/kernels/6.12.117+deb13-amd64/root/usr/src/linux-headers-6.12.117+deb13-amd64',
  config: '/cache/kernels/6.12.117+deb13-amd64/root/boot/config-6.12.117+deb13-amd64',
} as StoredKernel;

const debianConfig = 'CONFIG_MODULES=y\nCONFIG_KPROBES=y\nCONFIG_GCC_VERSION=140200\nCONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_LOCK_DOWN_KERNEL_FORCE_NONE=y\n# CONFIG_MODULE_SIG_FORCE is not set\n';

function facts(over: Partial<StoredKernelFacts> = {}): StoredKernelFacts {
  return { ref: 'debian:13', kernel, config: parseKernelConfig(debianConfig), headersComplete: true, btf: `${kernel.headersDir}/vmlinux`, headersVmlinux: true, ...over };
}

function host(over: Partial<HostFacts> & { missing?: string[] } = {}): HostFacts {
  return {
    has: (cmd) => !(over.missing ?? []).includes(cmd),
    gccMajor: () => 14,
    paholeVersion: () => 130,
    checkStaticBusybox: () => {},
    ...over,
  };
}

const line = (checks: ReturnType<typeof storedKernelChecks>, name: string) => checks.find((c) => c.name === name);

test('a complete Debian kernel on a machine with the tools: every check ok, exit 0', () => {
  const checks = storedKernelChecks(facts(), host());
  expect(checks.filter((c) => !c.ok)).toEqual([{ name: 'debuginfo', optional: true, ok: false, detail: 'not stored: statement probes need the vmlinux with DWARF', fix: 'guru kernel add debian:13 --debuginfo' }]);
  expect(checks.map((c) => c.name)).toEqual(['kernel store', 'CONFIG_MODULES', 'CONFIG_KPROBES', 'lockdown', 'module signatures', 'headers', 'compiler', 'compiler version', 'pahole', 'qemu', 'busybox', 'BTF', 'debuginfo']);
  expect(storedKernelVerdict('debian:13', checks)).toEqual({ line: 'guru build --kernel debian:13 and guru apply --vm debian:13 work here.', exitCode: 0 });
});

test('a kernel not in the store fails with the command that adds it, and exit 2', () => {
  const checks = storedKernelChecks(facts({ kernel: undefined, config: undefined }), host());
  expect(line(checks, 'kernel store')).toEqual({ name: 'kernel store', ok: false, detail: "debian:13 is not in guru's kernel store", fix: 'guru kernel add debian:13' });
  expect(storedKernelVerdict('debian:13', checks).exitCode).toBe(2);
});

test("the kernel's config decides modules, kprobes, signatures and lockdown", () => {
  const config = parseKernelConfig('# CONFIG_MODULES is not set\n# CONFIG_KPROBES is not set\nCONFIG_MODULE_SIG_FORCE=y\nCONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y\n');
  const checks = storedKernelChecks(facts({ config }), host());
  expect(checks.filter((c) => !c.ok && !c.optional).map((c) => `${c.name}: ${c.detail}`)).toEqual([
    'CONFIG_MODULES: 6.12.117+deb13-amd64 was built without module support',
    'CONFIG_KPROBES: CONFIG_KPROBES is not set',
    'lockdown: 6.12.117+deb13-amd64 is locked down (integrity) at every boot',
    'module signatures: 6.12.117+deb13-amd64 only loads modules signed with its build key (CONFIG_MODULE_SIG_FORCE)',
  ]);
});

test('missing tools fail with the package that brings them; a different gcc is a warning', () => {
  const checks = storedKernelChecks(
    facts(),
    host({
      missing: ['make', 'qemu-system-x86_64'],
      gccMajor: () => 12,
      paholeVersion: () => undefined,
      checkStaticBusybox: () => {
        throw new EnvironmentError("/bin/busybox is missing; the VM's initramfs needs it", 'apt-get install busybox-static');
      },
    }),
  );
  expect(checks.filter((c) => !c.ok).map((c) => `${c.optional ? 'warn' : 'FAIL'} ${c.name}: ${c.fix}`)).toEqual([
    'FAIL compiler: apt-get install build-essential',
    'warn compiler version: build where gcc 14 is the compiler (e.g. the Debian release this kernel comes from)',
    'FAIL pahole: apt-get install dwarves',
    'FAIL qemu: apt-get install qemu-system-x86',
    'FAIL busybox: apt-get install busybox-static',
    'warn debuginfo: guru kernel add debian:13 --debuginfo',
  ]);
});

test('headers without a vmlinux (6.1) need no pahole', () => {
  expect(line(storedKernelChecks(facts({ headersVmlinux: false }), host({ paholeVersion: () => undefined })), 'pahole')).toBeUndefined();
});

describe('the toolchain a kernel needs', () => {
  const toolchain = { compiler: 'x86_64-linux-gnu-gcc-14', gccMajor: 14, glibc: '2.38', pahole: 130 };
  const debian12 = { gccMajor: (cc: string) => (cc === 'gcc-12' ? 12 : undefined), glibc: '2.36', pahole: 124 };
  const trixie = { gccMajor: (cc: string) => (cc === 'x86_64-linux-gnu-gcc-14' ? 14 : undefined), glibc: '2.41', pahole: 130 };
  const rooted = { ...kernel, buildRoot: { name: 'trixie-gcc-14', dir: '/cache/buildroots/trixie-gcc-14/root' } } as StoredKernel;

  test('in a build root that has it: ok, and the host compiler checks are not asked', () => {
    const checks = storedKernelChecks(facts({ kernel: rooted, toolchain }), host({ toolchain: () => debian12, rootToolchain: () => trixie, missing: ['gcc'] }));
    expect(line(checks, 'toolchain')).toEqual({
      name: 'toolchain',
      ok: true,
      detail: 'needs x86_64-linux-gnu-gcc-14, glibc ≥ 2.38, pahole v1.30, which this machine lacks; the build root trixie-gcc-14 provides it (/cache/buildroots/trixie-gcc-14/root)',
      fix: 'guru kernel add debian:13 (makes the build root again; needs root)',
    });
    expect(line(checks, 'compiler')).toBeUndefined();
  });

  test('a missing build root fails with the command that makes it again, exit 2', () => {
    const checks = storedKernelChecks(facts({ kernel: rooted, toolchain }), host({ rootToolchain: () => undefined }));
    expect(line(checks, 'toolchain')).toMatchObject({ ok: false, detail: expect.stringMatching(/its build root trixie-gcc-14 is missing/) });
    expect(storedKernelVerdict('debian:13', checks).exitCode).toBe(2);
  });

  test('without a build root, this machine must have it: each gap is named', () => {
    const checks = storedKernelChecks(facts({ toolchain }), host({ toolchain: () => debian12 }));
    expect(line(checks, 'toolchain')?.detail).toBe(
      "needs x86_64-linux-gnu-gcc-14, glibc ≥ 2.38, pahole v1.30: x86_64-linux-gnu-gcc-14 (gcc 14) is not installed; kbuild's programs (modpost, objtool) need glibc 2.38, there is 2.36; kbuild runs pahole v1.30 on every module (the kernel's own), there is v1.24",
    );
    expect(line(checks, 'toolchain')?.ok).toBe(false);
  });
});

test('the running kernel: a FAIL exits 2 even when --vm would work, and says so', () => {
  const checks = [
    { name: 'CONFIG_MODULES', ok: false, detail: 'no modules' },
    { name: 'compiler', ok: true, detail: 'gcc and make found' },
    { name: 'qemu (for --vm)', ok: true, optional: true, detail: 'found' },
  ];
  expect(runningKernelVerdict(checks)).toEqual({ line: 'guru apply cannot load patches into this kernel; use --vm (guru doctor --kernel debian:6.1 checks that way).', exitCode: 2 });
  expect(runningKernelVerdict(checks.slice(1)).exitCode).toBe(0);
});

test('guru doctor --kernel debian:6.1 against the real kernel store: ok, exit 0; an unknown kernel exits 2', async () => {
  const stored = await debianKernel();
  const guru = path.resolve('bin/guru.js');
  const out = execFileSync(process.execPath, [guru, 'doctor', '--kernel', 'debian:6.1'], { encoding: 'utf8' });
  expect(out).toContain(`ok    kernel store: debian:6.1 is ${stored.release}`);
  expect(out).toContain(`ok    headers: kernel headers in ${stored.headersDir}`);
  expect(out).toMatch(/^ok    toolchain: needs gcc-12, glibc ≥ 2\.\d+: this machine has it$/m);
  expect(out).not.toMatch(/^FAIL/m);
  expect(out.trimEnd().split('\n').pop()).toBe('guru build --kernel debian:6.1 and guru apply --vm debian:6.1 work here.');
  const missing = spawnSync(process.execPath, [guru, 'doctor', '--kernel', '9.9.9-none-amd64'], { encoding: 'utf8' });
  expect(missing.status).toBe(2);
  expect(missing.stdout).toContain("FAIL  kernel store: 9.9.9-none-amd64 is not in guru's kernel store\n      fix: guru kernel add 9.9.9-none-amd64\n");
});
