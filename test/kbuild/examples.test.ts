// Every example builds against each test kernel's headers (GURU_TEST_KERNELS),
// with no warnings, and the module carries a manifest that names it; a
// second build of the same spec is a cache hit. Examples that name one
// kernel's internals build in their variant for the kernel (specFor).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModule, buildModules } from '../../src/kbuild/kbuild.js';
import { readManifest } from '../../src/kbuild/readManifest.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { renderModule } from '../../src/render/renderModule.js';
import { readSpecFile } from '../../src/pipeline.js';
import { describeEachKernel } from '../helpers/guest.js';
import { usePrivateBuildCache } from '../helpers/privateBuildCache.js';
import { isSpecVariant, specFor } from '../helpers/specVariants.js';

// The examples, plus the spec that tries to break out of C strings: it must
// compile cleanly too.
const specs = [
  ...fs.readdirSync('examples').filter((f) => f.endsWith('.yaml') && !isSpecVariant(f)).map((f) => path.join('examples', f)),
  'test/fixtures/render/c-injection.yaml',
].sort();
const env = usePrivateBuildCache();

describeEachKernel((storedKernel) => {
  test('every example builds against its headers without warnings', async () => {
    expect(specs.length).toBeGreaterThanOrEqual(5);
    // Resolved from the real store (the private build cache has none), then built into the private cache.
    const saved = process.env.GURU_CACHE;
    delete process.env.GURU_CACHE;
    const kernel = await storedKernel();
    const target = storedKernelTarget(kernel);
    const facts = headersKernelFacts(target);
    const rendered = specs.map((f) => renderModule(buildPlan(readSpecFile(specFor(f, kernel)), facts)));
    process.env.GURU_CACHE = fs.mkdtempSync(path.join(saved ?? os.tmpdir(), 'kernel-'));
    try {
      const { koPaths, log } = await buildModules(rendered, target);
      expect(log.split('\n').filter((l) => /warning:/i.test(l))).toEqual([]);
      koPaths.forEach((ko, i) => {
        expect(fs.statSync(ko).size).toBeGreaterThan(0);
        const manifest = readManifest(ko);
        expect(manifest.module).toBe(rendered[i].module);
        expect(manifest.release).toBe(kernel.release);
      });
    } finally {
      process.env.GURU_CACHE = saved;
    }
  }, 600_000);
});

test('a second build of the same spec is served from the cache', async () => {
  const { target } = env;
  const plan = buildPlan(readSpecFile('examples/echo-one-byte.yaml'), headersKernelFacts(target));
  const first = await buildModule(plan, target);
  const second = await buildModule(plan, target);
  expect(second.cached).toBe(true);
  expect(second.koPath).toBe(first.koPath);
  expect(readManifest(second.koPath).probes.map((p) => p.canonical)).toEqual(['syscall:write', 'syscall:write:return']);
});

test('a new spec for a kernel built before compiles only its probes.c; the runtime object is reused', async () => {
  const { target } = env;
  const facts = headersKernelFacts(target);
  // A cache of its own: the first build here is the first for this kernel.
  process.env.GURU_CACHE = fs.mkdtempSync(path.join(env.dir, 'fresh-'));
  const a = await buildModule(buildPlan(readSpecFile('examples/echo-clamp-trace.yaml'), facts), target);
  const b = await buildModule(buildPlan(readSpecFile('examples/openat-offset.yaml'), facts), target);
  expect(a.log).toMatch(/CC \[M\]\s+\S*guru_runtime\.o/);
  expect(b.log).toMatch(/CC \[M\]\s+\S*probes\.o/);
  expect(b.log).not.toMatch(/CC \[M\]\s+\S*guru_runtime\.o/);
  expect(b.log.split('\n').filter((l) => /warning:/i.test(l))).toEqual([]);
  // Both modules carry the whole runtime.
  for (const ko of [a.koPath, b.koPath]) expect(readManifest(ko).probes.length).toBeGreaterThan(0);
  const syms = await import('../../src/debuginfo/elf.js').then(({ openElf }) => {
    const elf = openElf(b.koPath);
    try {
      return elf.symbols().map((s) => s.name);
    } finally {
      elf.close();
    }
  });
  // init_module/cleanup_module: the runtime's module_init/module_exit (probes.c has none).
  expect(syms).toEqual(expect.arrayContaining(['init_module', 'cleanup_module', 'guru_log_begin', 'guru_tvar_set']));
});
