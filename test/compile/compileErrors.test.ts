// Resolve- and compile-time diagnostics, as text: each fixture in
// test/fixtures/compile-errors holds one mistake; the snapshot is exactly
// what `guru check` prints for it.
import fs from 'node:fs';
import path from 'node:path';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { SpecError } from '../../src/errors.js';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

const dir = 'test/fixtures/compile-errors';
const symbols = ['vfs_read', 'vfs_write', 'cap_ptrace_access_check', 'cap_ptrace_traceme', 'ptrace_attach', '__ptrace_may_access', 'task_ptrace', 'kernel_clone'];

function diagnose(file: string): string {
  const spec = parseSpec(file, fs.readFileSync(file, 'utf8'));
  try {
    buildPlan(spec, fakeKernelFacts(symbols));
  } catch (err) {
    if (err instanceof SpecError) return formatDiagnostics(err.diagnostics, err.sourceText);
    throw err;
  }
  throw new Error(`${file} was accepted, but it holds a mistake`);
}

const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('there are at least 20 compile-error fixtures', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(20);
});

test.each(fixtures)('%s', (f) => {
  const text = diagnose(path.join(dir, f));
  expect(text).toMatch(/^test\/fixtures\/compile-errors\/[a-z-]+\.yaml:\d+:\d+: error: /);
  expect(text).toMatchSnapshot();
});
