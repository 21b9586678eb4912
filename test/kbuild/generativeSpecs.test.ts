// Generative build test: a seeded generator (test/helpers/randomSpec.ts)
// draws random VALID specs from the language the compiler accepts, and each
// one must pass `guru check`, render, and build against the Debian 6.1
// headers without a single compiler warning, carrying a manifest that
// describes it. "A spec guru accepts must compile" (docs/supervision.md), tested on
// specs nobody wrote by hand.
//
// The seed is printed; replay a failure with
//   GURU_SEED=<seed> npx jest test/kbuild/generativeSpecs.test.ts
// A failing run keeps its spec files and names the folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModules } from '../../src/kbuild/kbuild.js';
import { openElf } from '../../src/debuginfo/elf.js';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { SpecError } from '../../src/errors.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import type { KernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { debianHeadersTarget } from '../helpers/debianHeaders.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { resolveProbePoint } from '../../src/probeFamilies/registry.js';
import type { Plan } from '../../src/plan/types.js';
import { MANIFEST_SECTION, manifestOf } from '../../src/render/manifest.js';
import { renderModule, type RenderedModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { chooseSeed, FEATURES, generateSpec, Rng, syscallSweepSpec, type SpecUniverse } from '../helpers/randomSpec.js';

/** At least this many random specs; more are drawn until every feature has appeared. */
const MIN_SPECS = 100;
const MAX_SPECS = 200;
/** How many of them also go through the real CLI (a node process each). */
const CLI_SAMPLE = 4;

const seed = chooseSeed(process.env.GURU_SEED);
const replay = `GURU_SEED=${seed} npx jest test/kbuild/generativeSpecs.test.ts`;

interface Case {
  name: string;
  file: string;
  text: string;
  plan?: Plan;
}

let workDir: string;
let cacheDir: string;
let target: KernelTarget;
let facts: KernelFacts;
let cases: Case[] = [];
let covered = new Set<string>();
/** Tests begun and tests finished: the spec files are kept when one began but failed. */
let testsBegun = 0;
let testsPassed = 0;

/** A test that counts towards keeping the spec files when it fails. */
function tracked(name: string, body: () => void | Promise<void>, timeout?: number): void {
  test(
    name,
    async () => {
      testsBegun++;
      await body();
      testsPassed++;
    },
    timeout,
  );
}


/** Fail with the seed and where the specs are kept. */
function failWith(message: string): never {
  throw new Error(`${message}\n\nseed ${seed}; specs kept in ${workDir}; replay: ${replay}`);
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-generative-'));
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cache-'));
  process.env.GURU_CACHE = cacheDir;
  target = await debianHeadersTarget();
  facts = headersKernelFacts(target);
  const universe: SpecUniverse = {
    syscalls: facts.syscallNames().map((n) => facts.syscall(n)!),
    constantNames: facts.constantNames(),
    constantValue: (name) => facts.constant(name),
    functionTargets: (func, isReturn) => {
      const label = `${isReturn ? 'kretprobe' : 'kprobe'}:${func}`;
      const resolved = resolveProbePoint(isReturn ? { kind: 'kretprobe', func } : { kind: 'kprobe', func, offset: 0 }, facts, label);
      if (!('targets' in resolved)) throw new Error(`${label} does not resolve on ${facts.release}: ${resolved.message}`);
      const targets = [...resolved.targets.values()];
      return {
        readable: targets.map((t) => t.name),
        writable: targets.filter((t) => t.writable).map((t) => t.name),
        pointers: targets.filter((t) => t.ctype.includes('*')).map((t) => t.name),
      };
    },
  };
  const rng = new Rng(seed);
  const started = Date.now();
  for (let i = 0; i < MAX_SPECS && (i < MIN_SPECS || FEATURES.some((f) => !covered.has(f))); i++) {
    const spec = generateSpec(rng, universe, i);
    spec.features.forEach((f) => covered.add(f));
    cases.push({ name: spec.name, file: path.join(workDir, `${spec.name}.yaml`), text: spec.text });
  }
  const sweep = syscallSweepSpec(universe);
  cases.push({ name: sweep.name, file: path.join(workDir, `${sweep.name}.yaml`), text: sweep.text });
  for (const c of cases) fs.writeFileSync(c.file, c.text);
  console.log(
    `generative specs: seed ${seed} (replay: ${replay}); ${cases.length - 1} random specs + the syscall sweep ` +
      `against ${target.release}, generated in ${Date.now() - started} ms`,
  );
});

afterAll(() => {
  delete process.env.GURU_CACHE;
  fs.rmSync(cacheDir, { recursive: true, force: true });
  if (testsPassed < testsBegun) console.log(`generative specs: FAILED; specs kept in ${workDir}; replay: ${replay}`);
  else fs.rmSync(workDir, { recursive: true, force: true });
});

tracked('the generator reached every language feature', () => {
  expect(cases.length).toBeGreaterThan(MIN_SPECS);
  const missing = FEATURES.filter((f) => !covered.has(f));
  if (missing.length) failWith(`features never generated in ${MAX_SPECS} specs: ${missing.join(', ')}`);
});

tracked('every generated spec passes guru check (parse, resolve, compile)', () => {
  const started = Date.now();
  const refused: string[] = [];
  for (const c of cases) {
    try {
      c.plan = buildPlan(parseSpec(c.file, c.text), facts);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      refused.push(`${c.file}:\n${c.text}\n${formatDiagnostics(err.diagnostics, err.sourceText)}`);
    }
  }
  console.log(`generative specs: ${cases.length} checked in ${Date.now() - started} ms`);
  if (refused.length) failWith(`${refused.length} generated specs were refused (a generator or compiler bug):\n\n${refused.join('\n\n')}`);
});

tracked('the guru CLI accepts a sample of them', () => {
  const cli = path.resolve('bin/guru.js');
  if (!fs.existsSync(path.resolve('dist/guru.mjs'))) throw new Error('the CLI is not built; fix: npm run build');
  const started = Date.now();
  const step = Math.floor(cases.length / CLI_SAMPLE);
  for (let i = 0; i < CLI_SAMPLE; i++) {
    const c = cases[i * step];
    let out: string;
    try {
      out = execFileSync(process.execPath, [cli, 'check', c.file, '--kernel', target.release], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GURU_CACHE: cacheDir },
      });
    } catch (err) {
      const e = err as { status?: number; stderr?: string; stdout?: string };
      failWith(`guru check ${c.file} exited ${e.status}:\n${e.stderr ?? ''}${e.stdout ?? ''}\n${c.text}`);
    }
    expect(out.split('\n')[0]).toMatch(new RegExp(`^guru_${c.name}: \\d+ probes? for ${target.release.replace(/\./g, '\\.')}$`));
  }
  console.log(`generative specs: ${CLI_SAMPLE} CLI checks in ${Date.now() - started} ms`);
});

tracked('all of them build in one kbuild run, without warnings, each with its manifest', async () => {
  const planned = cases.filter((c): c is Case & { plan: Plan } => c.plan !== undefined);
  if (planned.length !== cases.length) failWith('some specs were refused by guru check (see that test)');
  let rendered: RenderedModule[];
  try {
    rendered = planned.map((c) => renderModule(c.plan));
  } catch (err) {
    failWith(`rendering failed: ${(err as Error).message}`);
  }
  const started = Date.now();
  let result: { koPaths: string[]; log: string };
  try {
    result = await buildModules(rendered, target);
  } catch (err) {
    const e = err as Error & { hint?: string };
    failWith(`kbuild failed for an accepted spec (a guru bug):\n${e.message}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`generative specs: ${rendered.length} modules built in one kbuild run in ${seconds.toFixed(1)} s`);

  const warnings = result.log.split('\n').filter((l) => /warning:/.test(l));
  if (warnings.length) failWith(`kbuild warned (each names the spec file and line):\n${warnings.join('\n')}`);
  expect(result.koPaths).toHaveLength(planned.length);
  planned.forEach((c, i) => {
    const ko = result.koPaths[i];
    expect(fs.existsSync(ko)).toBe(true);
    const elf = openElf(ko);
    let manifest: unknown;
    try {
      const bytes = elf.readSection(MANIFEST_SECTION);
      if (!bytes) failWith(`${ko} (${c.file}) has no ${MANIFEST_SECTION} section`);
      manifest = JSON.parse(bytes.toString('utf8').replace(/\0+$/, ''));
    } finally {
      elf.close();
    }
    expect(manifest).toMatchObject({ module: `guru_${c.name}`, release: target.release });
    // Byte for byte what the plan says: log formats with any text survive the trip through C.
    expect(manifest).toEqual(JSON.parse(JSON.stringify(manifestOf(c.plan))));
  });
}, 30 * 60 * 1000);
