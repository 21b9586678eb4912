// The kernel store against the real apt and the real Debian 6.1 packages:
// names resolve through the metapackages, the entry is complete and its
// headers work from where they are, a killed add leaves nothing that looks
// like an entry, and list/rm keep index.json in step with the folders.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { openElf } from '../../src/debuginfo/elf.js';
import { buildModule } from '../../src/kbuild/kbuild.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { hostToolchain, rootToolchain, toolchainGaps } from '../../src/kernelStore/kernelToolchain.js';
import { readSpecFile } from '../../src/pipeline.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { EnvironmentError, UserError } from '../../src/errors.js';
import { chooseSeriesBuild, resolveDebianPackages } from '../../src/kernelStore/debianKernelPackages.js';
import { rewriteMakefileInclude } from '../../src/kernelStore/headersFixup.js';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import { findHeadersDir, requireHeadersDir } from '../../src/kernelStore/findHeadersDir.js';
import { systemMapFromKallsyms } from '../../src/kernelStore/kallsymsSystemMap.js';
import { parseKernelRef } from '../../src/kernelStore/kernelRef.js';
import { listStoredKernels } from '../../src/kernelStore/kernelStore.js';
import { removeKernel } from '../../src/kernelStore/removeKernel.js';
import { KernelNotStoredError, resolveKernel } from '../../src/kernelStore/resolveKernel.js';
import type { KernelEntryRecord } from '../../src/kernelStore/storedKernel.js';
import { buildTestModule, ensureCompiledCli } from '../vm/vmTestSupport.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SLOW = 600_000;

/** Run BODY with GURU_CACHE pointing at a fresh folder (the store reads it on every call). */
async function withPrivateCache<T>(body: (cache: string) => Promise<T>): Promise<T> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cache-test-'));
  const saved = process.env.GURU_CACHE;
  process.env.GURU_CACHE = cache;
  try {
    return await body(cache);
  } finally {
    if (saved === undefined) delete process.env.GURU_CACHE;
    else process.env.GURU_CACHE = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

describe('refs and apt metadata', () => {
  test('parseKernelRef takes series and releases and rejects the rest with a hint', () => {
    expect(parseKernelRef('debian:6.1')).toEqual({ kind: 'series', distro: 'debian', series: '6.1', text: 'debian:6.1' });
    expect(parseKernelRef('6.12.117+deb12-amd64')).toMatchObject({ kind: 'release', release: '6.12.117+deb12-amd64' });
    expect(parseKernelRef('debian:13')).toEqual({ kind: 'distribution', distro: 'debian', codename: 'trixie', text: 'debian:trixie' });
    expect(parseKernelRef('debian:unstable')).toMatchObject({ kind: 'distribution', codename: 'sid', text: 'debian:sid' });
    expect(parseKernelRef('7.3.4+deb13-amd64')).toMatchObject({ kind: 'release', release: '7.3.4+deb13-amd64' });
    expect(() => parseKernelRef('debian:buster')).toThrow(UserError);
    expect(() => parseKernelRef('fedora:40')).toThrow(UserError);
    expect(() => parseKernelRef('../../etc')).toThrow(/unknown kernel/);
    try {
      parseKernelRef('fedora:40');
    } catch (err) {
      expect((err as UserError).hint).toMatch(/debian:6\.1, debian:6\.12/);
    }
  });

  test.each(['debian:6.1', 'debian:6.12', 'debian:7.3'])('%s resolves to one consistent set of packages of that series', async (ref) => {
    const p = await resolveDebianPackages(parseKernelRef(ref), { debuginfo: true });
    const series = ref.slice('debian:'.length);
    expect(p.release.startsWith(`${series}.`)).toBe(true);
    expect(p.image.name).toBe(`linux-image-${p.release}`);
    expect(p.headers.name).toBe(`linux-headers-${p.release}`);
    expect(p.headersCommon.name).toMatch(/^linux-headers-.*-common$/);
    expect(p.kbuild.name).toMatch(new RegExp(`^linux-kbuild-${series.replace('.', '\\.')}`));
    expect(p.debug?.name).toBe(`linux-image-${p.release}-dbg`);
    expect(p.headers.version).toBe(p.image.version);
    // Every package is of this one build.
    for (const pkg of p.packages) expect([pkg.name, pkg.version]).toEqual([pkg.name, p.version]);
  });

  test('debian:6.12 is bookworm\'s; debian:7.3 comes from trixie-backports, split into binary, modules and base', async () => {
    const b = await resolveDebianPackages(parseKernelRef('debian:6.12'), { debuginfo: false });
    expect(b.suite).toMatch(/^bookworm/);
    expect(b.release).toMatch(/\+deb12-amd64$/);
    const t = await resolveDebianPackages(parseKernelRef('debian:7.3'), { debuginfo: false });
    expect(t.suite).toBe('trixie-backports');
    expect(t.packages.map((x) => x.name).sort()).toEqual(
      ['image', 'binary', 'modules', 'base', 'headers'].map((part) => `linux-${part}-${t.release}`).concat([t.headersCommon.name, t.kbuild.name]).sort(),
    );
  });

  test('debian:trixie (debian:13) is trixie\'s own kernel, debian:sid the newest in sid', async () => {
    const trixie = await resolveDebianPackages(parseKernelRef('debian:13'), { debuginfo: false });
    expect(trixie.suite).toMatch(/^trixie(-security|-updates)?$/);
    expect(trixie.release).toMatch(/^6\.12\.\d+\+deb13-amd64$/);
    const sid = await resolveDebianPackages(parseKernelRef('debian:sid'), { debuginfo: false });
    expect(sid.suite).toBe('sid');
    // An exact release resolves to the same build.
    const exact = await resolveDebianPackages(parseKernelRef(sid.release), { debuginfo: false });
    expect([exact.release, exact.version]).toEqual([sid.release, sid.version]);
  });

  test('a series resolves in the first Debian release that ships it, to the newest build there', () => {
    const v = (name: string, version: string, suite: string) => ({ name: `linux-image-${name}-amd64`, version, suite });
    const images = [
      v('6.12.95+deb12', '6.12.95-1~bpo12+1', 'bookworm-backports'),
      v('6.12.117+deb12', '6.12.117-1~deb12u1', 'bookworm-security'),
      v('6.12.118+deb13', '6.12.118-1', 'trixie-security'),
      v('7.2.12+deb13', '7.2.12-1~bpo13+1', 'trixie-backports'),
      v('7.2.13+deb14', '7.2.13-1', 'sid'),
    ];
    expect(chooseSeriesBuild('6.12', images)?.name).toBe('linux-image-6.12.117+deb12-amd64');
    expect(chooseSeriesBuild('7.2', images)?.name).toBe('linux-image-7.2.12+deb13-amd64');
    expect(chooseSeriesBuild('7.2', images.slice(4))?.suite).toBe('sid');
    expect(chooseSeriesBuild('5.10', images)).toBeUndefined();
  });

  test("debian:6.1 is the release the host's own linux-headers-amd64 points at", async () => {
    const { stdout } = await execa('dpkg-query', ['-W', '-f=${Depends}', 'linux-headers-amd64']);
    const p = await resolveDebianPackages(parseKernelRef('debian:6.1'), { debuginfo: false });
    expect(stdout).toContain(`linux-headers-${p.release}`);
  });
});

describe('the debian:6.1 entry', () => {
  test('is complete: image, PVH image with the same build-id, modules with modules.dep, config, a real System.map', async () => {
    const k = await ensureKernel('debian:6.1');
    expect((await resolveKernel('debian:6.1')).release).toBe(k.release);
    expect((await resolveKernel(k.release)).dir).toBe(k.dir);
    expect(fs.statSync(k.image).size).toBeGreaterThan(1e6);
    expect(fs.existsSync(path.join(k.modulesDir, 'modules.dep'))).toBe(true);
    expect(fs.readFileSync(k.config, 'utf8')).toMatch(/^CONFIG_KPROBES=y$/m);
    const elf = openElf(k.pvhImage!);
    try {
      expect(elf.buildId()).toBe(k.buildId);
    } finally {
      elf.close();
    }
    const map = fs.readFileSync(k.systemMap, 'utf8');
    expect(map.split('\n').length).toBeGreaterThan(50_000);
    expect(map).toMatch(/^ffffffff[0-9a-f]{8} T vfs_read$/m);
  }, SLOW);

  test('headers are relocated: no absolute paths left, build/ link resolves inside the entry', async () => {
    const k = await ensureKernel('debian:6.1');
    const makefile = fs.readFileSync(path.join(k.headersDir, 'Makefile'), 'utf8');
    expect(makefile).toMatch(/^include \$\(dir \$\(lastword \$\(MAKEFILE_LIST\)\)\)\.\.\/linux-headers-.*-common\/Makefile$/m);
    expect(makefile).not.toMatch(/^include \/usr\/src/m);
    expect(fs.realpathSync(path.join(k.modulesDir, 'build'))).toBe(fs.realpathSync(k.headersDir));
    expect(fs.realpathSync(path.join(k.headersDir, 'scripts')).startsWith(k.dir)).toBe(true);
    // kbuild builds from the relocated tree, for the stored release.
    const ko = await buildTestModule(k.headersDir);
    try {
      const { stdout } = await execa('modinfo', ['-F', 'vermagic', ko]);
      expect(stdout.split(' ')[0]).toBe(k.release);
    } finally {
      fs.rmSync(path.dirname(ko), { recursive: true, force: true });
    }
  }, SLOW);

  test('findHeadersDir prefers the system location, falls back to the store, and says how to fix a miss', async () => {
    const k = await ensureKernel('debian:6.1');
    const found = findHeadersDir(k.release);
    expect([`/lib/modules/${k.release}/build`, `/usr/src/linux-headers-${k.release}`, k.headersDir]).toContain(found);
    expect(findHeadersDir('0.0.1-nonexistent')).toBeUndefined();
    expect(() => requireHeadersDir('0.0.1-nonexistent')).toThrow(EnvironmentError);
    try {
      requireHeadersDir('0.0.1-nonexistent');
    } catch (err) {
      expect((err as EnvironmentError).hint).toContain('guru kernel add 0.0.1-nonexistent');
    }
  }, SLOW);
});

describe('the debian:7.3 entry (split packages, merged /usr, a trixie toolchain)', () => {
  test('has the classic layout: boot/ links, lib/modules with modules.dep, config, PVH image, System.map', async () => {
    const k = await ensureKernel('debian:7.3');
    expect(fs.lstatSync(path.join(k.dir, 'root', 'lib')).isSymbolicLink()).toBe(true);
    expect(fs.realpathSync(k.image)).toBe(path.join(fs.realpathSync(k.dir), 'root', 'usr', 'lib', 'modules', k.release, 'vmlinuz'));
    expect(fs.readFileSync(path.join(k.modulesDir, 'modules.dep'), 'utf8')).toMatch(/^kernel\/fs\/9p\/9p\.ko\.xz:/m);
    expect(fs.readFileSync(k.config, 'utf8')).toMatch(/^CONFIG_KPROBES=y$/m);
    expect(fs.realpathSync(path.join(k.modulesDir, 'build'))).toBe(fs.realpathSync(k.headersDir));
    const elf = openElf(k.pvhImage!);
    try {
      expect(elf.buildId()).toBe(k.buildId);
    } finally {
      elf.close();
    }
    expect(fs.readFileSync(k.systemMap, 'utf8')).toMatch(/^ffffffff[0-9a-f]{8} T vfs_read$/m);
    expect(fs.readFileSync(path.join(k.headersDir, 'Makefile'), 'utf8')).not.toMatch(/^[^#\n]*\/usr\/src/m);
  }, SLOW);

  test('records the toolchain it needs, which this Debian 12 machine lacks, and builds in the trixie build root', async () => {
    const k = await ensureKernel('debian:7.3');
    expect(k.toolchain).toMatchObject({ compiler: 'x86_64-linux-gnu-gcc-14', gccMajor: 14, glibc: '2.38' });
    expect(toolchainGaps(k.toolchain!, hostToolchain())).not.toEqual([]);
    expect(k.buildRoot?.name).toBe('trixie-gcc-14');
    expect(toolchainGaps(k.toolchain!, rootToolchain(k.buildRoot!.dir))).toEqual([]);
    const target = storedKernelTarget(k);
    expect(target.buildRoot).toBe(k.buildRoot!.dir);
    await withPrivateCache(async () => {
      const plan = buildPlan(readSpecFile('examples/echo-one-byte.yaml'), headersKernelFacts(target));
      const built = await buildModule(plan, target);
      expect(built.log).toMatch(/BTF \[M\]/);
      expect(built.log.split('\n').filter((l) => /warning|error/i.test(l))).toEqual([]);
      const { stdout } = await execa('modinfo', ['-F', 'vermagic', built.koPath]);
      expect(stdout.split(' ')[0]).toBe(k.release);
      // The same build with this machine's toolchain: an environment problem that says what is missing (not "a guru bug").
      const hostOnly = { ...target, buildRoot: undefined };
      const failed = await buildModule(buildPlan(readSpecFile('examples/echo-clamp-trace.yaml'), headersKernelFacts(hostOnly)), hostOnly).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failed).toBeInstanceOf(EnvironmentError);
      expect((failed as EnvironmentError).message).toMatch(/x86_64-linux-gnu-gcc-14: not found/);
      expect((failed as EnvironmentError).hint).toMatch(/guru doctor --kernel/);
    });
  }, SLOW);
});

test("7.x headers: KBUILD_OUTPUT and the include become relative to the Makefile's own folder", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-headers-'));
  try {
    const r = '7.3.4+deb13-amd64';
    const headers = path.join(dir, 'usr', 'src', `linux-headers-${r}`);
    const common = path.join(dir, 'usr', 'src', 'linux-headers-7.3.4+deb13-common');
    fs.mkdirSync(headers, { recursive: true });
    fs.mkdirSync(common, { recursive: true });
    fs.writeFileSync(path.join(headers, 'Makefile'), `KBUILD_OUTPUT=/usr/src/linux-headers-${r}\ninclude /usr/src/linux-headers-7.3.4+deb13-common/Makefile\n`);
    fs.writeFileSync(path.join(common, 'Makefile'), 'all:\n\t@echo "output=$(KBUILD_OUTPUT) common=$(abspath $(lastword $(MAKEFILE_LIST)))"\n');
    rewriteMakefileInclude(headers);
    rewriteMakefileInclude(headers); // idempotent
    const text = fs.readFileSync(path.join(headers, 'Makefile'), 'utf8');
    expect(text).not.toMatch(/^[^#\n]*\/usr\/src/m);
    // make, run from elsewhere as kbuild is, sees the folder the entry is in now.
    const { stdout } = await execa('make', ['-s', '-C', headers], { cwd: os.tmpdir() });
    expect(stdout).toBe(`output=${headers} common=${path.join(headers, '..', 'linux-headers-7.3.4+deb13-common', 'Makefile')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('systemMapFromKallsyms drops module symbols and sorts by address', () => {
  const map = systemMapFromKallsyms('ffffffff81000010 T b\nffffffffc0000000 t m\t[mod]\nffffffff81000000 T a\n0000000000000000 D __per_cpu_start\n');
  expect(map).toEqual({ text: '0000000000000000 D __per_cpu_start\nffffffff81000000 T a\nffffffff81000010 T b\n', count: 3 });
});

test('list and rm keep index.json in step with the entry folders', async () => {
  await withPrivateCache(async (cache) => {
    const kernels = path.join(cache, 'kernels');
    const record: KernelEntryRecord = {
      formatVersion: 1,
      id: '9.9.9-1-amd64',
      release: '9.9.9-1-amd64',
      ref: 'debian:9.9',
      distro: 'debian',
      packageVersion: '9.9.9-1',
      packages: [],
      buildId: 'ab',
      hasPvhImage: false,
      systemMapSource: 'kallsyms',
      addedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.join(kernels, record.id), { recursive: true });
    fs.writeFileSync(path.join(kernels, record.id, 'entry.json'), JSON.stringify(record));
    // A half-built add is not an entry.
    fs.mkdirSync(path.join(kernels, '.tmp-9.9.9-2-amd64-1-0', 'root'), { recursive: true });
    expect(listStoredKernels().map((k) => k.id)).toEqual([record.id]);
    const index = JSON.parse(fs.readFileSync(path.join(kernels, 'index.json'), 'utf8')) as { entries: KernelEntryRecord[] };
    expect(index.entries.map((e) => e.id)).toEqual([record.id]);
    expect((await resolveKernel('debian:9.9')).id).toBe(record.id);
    await removeKernel('debian:9.9');
    expect(fs.existsSync(path.join(kernels, record.id))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(kernels, 'index.json'), 'utf8'))).toEqual({ formatVersion: 1, entries: [] });
    await expect(resolveKernel('debian:9.9')).rejects.toThrow(KernelNotStoredError);
  });
});

test('an add killed mid-way leaves no usable-looking entry', async () => {
  await ensureCompiledCli();
  await withPrivateCache(async (cache) => {
    const kernels = path.join(cache, 'kernels');
    const child = spawn('node', [path.join(ROOT, 'bin', 'guru.js'), 'kernel', 'add', 'debian:6.1'], {
      env: { ...process.env, GURU_CACHE: cache },
      stdio: 'ignore',
      detached: true, // its own process group, so apt and dpkg-deb die with it
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it once extraction has begun: the temp folder has a boot/ with files.
    const tempBoot = (): string | undefined => {
      if (!fs.existsSync(kernels)) return undefined;
      const tmp = fs.readdirSync(kernels).find((n) => n.startsWith('.tmp-'));
      const boot = tmp && path.join(kernels, tmp, 'root', 'boot');
      return boot && fs.existsSync(boot) && fs.readdirSync(boot).length > 0 ? boot : undefined;
    };
    const deadline = Date.now() + 120_000;
    while (!tempBoot() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tempBoot()).toBeDefined();
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const names = fs.readdirSync(kernels);
    expect(names.filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(listStoredKernels()).toEqual([]);
    await expect(resolveKernel('debian:6.1')).rejects.toThrow(KernelNotStoredError);
    const list = await execa('node', [path.join(ROOT, 'bin', 'guru.js'), 'kernel', 'list'], { env: { GURU_CACHE: cache } });
    expect(list.stdout).toMatch(/^no kernels stored/);
  });
}, SLOW);
