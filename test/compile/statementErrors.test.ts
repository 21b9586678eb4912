// What `guru check` says about statement-probe mistakes, as text: each
// fixture in test/fixtures/statement-errors holds one, resolved against a
// canned ksys_write of Debian 6.1 (test/helpers/fakeStatementDebuginfo.ts)
// so that the messages, which name addresses, stay fixed.
import fs from 'node:fs';
import path from 'node:path';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { SpecError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { fakeKsysWriteDebuginfo } from '../helpers/fakeStatementDebuginfo.js';

const dir = 'test/fixtures/statement-errors';
const facts = { ...fakeKernelFacts(['ksys_write', 'vfs_write', 'vfs_read']), debuginfo: fakeKsysWriteDebuginfo };

function diagnose(file: string): string {
  const spec = parseSpec(file, fs.readFileSync(file, 'utf8'));
  try {
    buildPlan(spec, facts);
  } catch (err) {
    if (err instanceof SpecError) return formatDiagnostics(err.diagnostics, err.sourceText);
    throw err;
  }
  throw new Error(`${file} was accepted, but it holds a mistake`);
}

const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test.each(fixtures)('%s', (f) => {
  const text = diagnose(path.join(dir, f));
  expect(text).toMatch(/^test\/fixtures\/statement-errors\/[a-z-]+\.yaml:\d+:\d+: error: /);
  expect(text).toMatchSnapshot();
});

test('facts without debug information refuse statement probes', () => {
  const spec = parseSpec('x.yaml', 'guru: 1\nname: x\nprobes:\n  - on: statement:ksys_write@fs/read_write.c:638\n    do:\n      - log("here")\n');
  expect(() => buildPlan(spec, fakeKernelFacts())).toThrow(/statement probes need the kernel's debug information/);
});
