// docs/spec.md is tested: every ```yaml block is a complete spec that guru
// accepts against the Debian 6.1 headers, and all of them build in one
// kbuild run without warnings; every ```yaml error block is a spec guru
// refuses, and the ```text block right after it is exactly the diagnostic
// guru prints. The doc names the spec file `spec.yaml` and writes the target
// release as `<release>` (Debian moves it), which is all this test rewrites.
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
import type { Plan } from '../../src/plan/types.js';
import { MANIFEST_SECTION } from '../../src/render/manifest.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';

const DOC = 'docs/spec.md';
/** How the doc's diagnostics name the spec file. */
const SPEC_FILE = 'spec.yaml';

interface Block {
  /** 1-based line of the opening fence in the doc. */
  line: number;
  info: string;
  text: string;
}

interface Example {
  line: number;
  text: string;
  /** For `yaml error` blocks: the diagnostic text the doc shows. */
  expected?: string;
}

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S.*)?$/.exec(lines[i]);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') body.push(lines[j++]);
    if (j === lines.length) throw new Error(`${DOC}:${i + 1}: code block never closed`);
    blocks.push({ line: i + 1, info: (open[1] ?? '').trim(), text: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

function examples(): { valid: Example[]; refused: Example[] } {
  const blocks = fencedBlocks(fs.readFileSync(DOC, 'utf8'));
  const valid: Example[] = [];
  const refused: Example[] = [];
  blocks.forEach((b, i) => {
    if (b.info === 'yaml') valid.push({ line: b.line, text: b.text });
    else if (b.info === 'yaml error') {
      const next = blocks[i + 1];
      if (!next || next.info !== 'text') throw new Error(`${DOC}:${b.line}: a yaml error block must be followed by a text block with its diagnostic`);
      refused.push({ line: b.line, text: b.text, expected: next.text.replace(/\n$/, '') });
    } else if (b.info.startsWith('yaml')) throw new Error(`${DOC}:${b.line}: unknown block kind '${b.info}' (yaml or yaml error)`);
  });
  return { valid, refused };
}

const { valid, refused } = examples();

let target: KernelTarget;
let facts: KernelFacts;
let cacheDir: string;


beforeAll(async () => {
  // The target first, from the real cache: the kernel store there holds the
  // debuginfo (and build-id) the statement-probe examples resolve against.
  target = await debianHeadersTarget();
  facts = headersKernelFacts(target);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cache-'));
  process.env.GURU_CACHE = cacheDir;
});

afterAll(() => {
  delete process.env.GURU_CACHE;
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

function plan(example: Example): Plan {
  return buildPlan(parseSpec(SPEC_FILE, example.text), facts);
}

test('the doc has examples of both kinds, and every valid one has its own name', () => {
  expect(valid.length).toBeGreaterThanOrEqual(10);
  expect(refused.length).toBeGreaterThanOrEqual(15);
  const names = valid.map((e) => /^name:\s*(\S+)/m.exec(e.text)?.[1]);
  expect(names.every((n) => n !== undefined)).toBe(true);
  expect(new Set(names).size).toBe(names.length);
});

describe.each(valid.map((e) => [`${DOC}:${e.line}`, e] as const))('valid example at %s', (_where, example) => {
  test('guru check accepts it', () => {
    try {
      plan(example);
    } catch (err) {
      if (err instanceof SpecError) throw new Error(`refused:\n${formatDiagnostics(err.diagnostics, err.sourceText)}`);
      throw err;
    }
  });
});

describe.each(refused.map((e) => [`${DOC}:${e.line}`, e] as const))('refused example at %s', (_where, example) => {
  test('guru check refuses it with exactly the diagnostic the doc shows', () => {
    let error: SpecError | undefined;
    try {
      plan(example);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      error = err;
    }
    if (!error) throw new Error('accepted, but the doc says it is refused');
    const printed = formatDiagnostics(error.diagnostics, error.sourceText).split(target.release).join('<release>');
    expect(printed).toBe(example.expected);
  });
});

test('every valid example builds, all in one kbuild run, without warnings', async () => {
  const rendered = valid.map((e) => renderModule(plan(e)));
  const started = Date.now();
  const { koPaths, log } = await buildModules(rendered, target);
  console.log(`${DOC}: ${rendered.length} examples built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  expect(log.split('\n').filter((l) => /warning:/.test(l))).toEqual([]);
  koPaths.forEach((ko, i) => {
    const elf = openElf(ko);
    try {
      const manifest = JSON.parse((elf.readSection(MANIFEST_SECTION) ?? Buffer.alloc(0)).toString('utf8').replace(/\0+$/, '')) as { module: string };
      expect(manifest.module).toBe(rendered[i].module);
    } finally {
      elf.close();
    }
  });
}, 10 * 60 * 1000);
