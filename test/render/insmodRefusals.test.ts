// A family's runtime part may refuse to load in its own way (the uprobe
// family's -ESTALE: the file at the path is another build); the family says
// what that means (ProbeFamily.insmodRefusals) and the module's manifest
// carries it to `guru apply`, whose insmod hint it is. The VM test
// test/runtime/uprobes.test.ts checks the hint a real refusal gets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { uprobeFamily } from '../../src/probeFamilies/uprobe/uprobeFamily.js';
import type { Manifest } from '../../src/render/manifest.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-refusals-'));
  await execa('gcc', ['-O2', '-o', `${dir}/greeter`, path.resolve('test/fixtures/programs/greeter.c')]);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The manifest JSON embedded in probes.c (adjacent C string literals). */
function manifestOf(probes: string): Manifest {
  const plan = buildPlan(parseSpec('r.yaml', `guru: 1\nname: r\nprobes:\n${probes}`), fakeKernelFacts());
  const c = renderModule(plan).files['probes.c']!;
  const literal = /guru_manifest\[\][^=]*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+);/.exec(c)![1]!;
  return JSON.parse([...literal.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]!.replace(/\\\?/g, '?')}"`)).join(''));
}

test("a module with uprobes carries the uprobe family's insmod refusals; one without carries none", () => {
  expect(manifestOf(`  - on: uprobe:${dir}/greeter:greet\n`).insmodRefusals).toEqual(uprobeFamily.insmodRefusals);
  expect(uprobeFamily.insmodRefusals).toEqual([{ error: 'Stale file handle', hint: expect.stringMatching(/^a probed user binary is not the file the module was built against/) }]);
  expect(manifestOf('  - on: syscall:write\n')).not.toHaveProperty('insmodRefusals');
});
