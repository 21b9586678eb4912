// A prebuilt .ko is applied only to the kernel it was built for: the same
// release, and for a module holding one build's addresses (statement
// probes), the same build-id too. Objects with a .guru_manifest section
// are compiled here with gcc.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moduleToApply, type SessionKernel } from '../../src/apply/moduleToApply.js';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-mta-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ko(name: string, manifest: object): string {
  const c = path.join(dir, `${name}.c`);
  const json = JSON.stringify({ manifestVersion: 1, module: `guru_${name}`, name, specFile: 's.yaml', probes: [], formats: [], vars: [], params: [], ...manifest });
  fs.writeFileSync(c, `const char m[] __attribute__((used, section(".guru_manifest"))) = ${JSON.stringify(json)};\n`);
  const out = path.join(dir, `${name}.ko`);
  execFileSync('gcc', ['-c', '-o', out, c]);
  return out;
}

const session = (buildId: string | undefined): SessionKernel => ({
  release: '6.1.0-57-amd64',
  label: 'this kernel',
  buildTarget: () => Promise.reject(new Error('not a spec')),
  mismatchHint: 'build it for this kernel',
  buildId: () => buildId,
});

test('a module for one build runs on that build only; any build of its release will do otherwise', async () => {
  const stmt = ko('stmt', { release: '6.1.0-57-amd64', buildId: 'aaaa' });
  await expect(moduleToApply(stmt, session('aaaa'))).resolves.toMatchObject({ manifest: { buildId: 'aaaa' } });
  await expect(moduleToApply(stmt, session('bbbb'))).rejects.toThrow(/holds addresses of kernel build aaaa, but this kernel is build bbbb/);
  await expect(moduleToApply(stmt, session(undefined))).rejects.toThrow(/a build guru cannot read/);
  const plain = ko('plain', { release: '6.1.0-57-amd64' });
  await expect(moduleToApply(plain, session('bbbb'))).resolves.toMatchObject({ manifest: { module: 'guru_plain' } });
  const other = ko('other', { release: '6.12.117+deb12-amd64' });
  await expect(moduleToApply(other, session('aaaa'))).rejects.toThrow(/was built for 6\.12\.117\+deb12-amd64, but this kernel is 6\.1\.0-57-amd64/);
});

test('the plan of a statement probe names the build its addresses come from', async () => {
  const { buildPlan } = await import('../../src/plan/buildPlan.js');
  const { readSpecFile } = await import('../../src/pipeline.js');
  const { fakeKernelFacts } = await import('../helpers/fakeKernelFacts.js');
  const { fakeKsysWriteDebuginfo } = await import('../helpers/fakeStatementDebuginfo.js');
  const facts = { ...fakeKernelFacts(), debuginfo: fakeKsysWriteDebuginfo };
  expect(buildPlan(readSpecFile('examples/echo-statement.yaml'), facts).kernel).toEqual({ release: facts.release, buildId: fakeKsysWriteDebuginfo().buildId });
  expect(buildPlan(readSpecFile('examples/echo-one-byte.yaml'), facts).kernel).toEqual({ release: facts.release });
});
