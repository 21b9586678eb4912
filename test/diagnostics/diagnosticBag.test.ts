// One DiagnosticBag through parsing, resolving and compiling: a spec's
// mistakes of every pass are reported in one run, several in one do: item
// too (each once, without follow-on errors), and warnings leave the spec
// accepted. The texts are snapshots; the CLI prints warnings and exits 0.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { DiagnosticBag } from '../../src/diagnostics/diagnosticBag.js';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { EnvironmentError, SpecError } from '../../src/errors.js';
import { CompileSession, ProbeCompiler } from '../../src/expr/compileExpression.js';
import type { TargetVar } from '../../src/expr/ir.js';
import { parseSpecInto } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { planSpecFile } from '../../src/pipeline.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

const facts = fakeKernelFacts(['ksys_write', 'vfs_read']);

function refusal(file: string): SpecError {
  const text = fs.readFileSync(file, 'utf8');
  const bag = new DiagnosticBag();
  const spec = parseSpecInto(bag, file, text);
  if (!spec) throw new Error(`${file} did not parse into a spec`);
  try {
    buildPlan(spec, facts, bag);
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error(`${file} was accepted`);
}

test('every mistake of every pass, in file order, in one run', () => {
  const err = refusal('test/fixtures/diagnostics/every-mistake.yaml');
  const text = formatDiagnostics(err.diagnostics, err.sourceText);
  expect(err.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([
    "5:17 unknown variable type 'u65'",
    '7:9 unknown kernel function no_such_function on 6.1.0-test-amd64',
    '11:9 unknown target variable $cont at syscall:write',
    '11:22 unknown name nope',
    '13:25 cannot use a string with +',
    '14:22 unknown target variable $fdd at syscall:write',
    '14:28 %s expects a string, this is an integer',
    '15:9 $return is only available in return probes, not at syscall:write',
  ]);
  expect(text).toMatchSnapshot();
});

test('a var whose declaration is wrong is still declared: no follow-on "unknown name"', () => {
  const err = refusal('test/fixtures/diagnostics/every-mistake.yaml');
  expect(err.diagnostics.filter((d) => /\borig\b/.test(d.message))).toEqual([]);
});

const WARNINGS = 'test/fixtures/diagnostics/warnings.yaml';

function warningsOf(file: string): { bag: DiagnosticBag; text: string; module: string } {
  const text = fs.readFileSync(file, 'utf8');
  const bag = new DiagnosticBag();
  const plan = buildPlan(parseSpecInto(bag, file, text)!, facts, bag);
  return { bag, text, module: plan.module };
}

test('warnings: the spec is accepted, the bag keeps them, in file order', () => {
  const { bag, text, module } = warningsOf(WARNINGS);
  expect(module).toBe('guru_warns');
  expect(bag.hasErrors()).toBe(false);
  expect(bag.warnings().map((d) => `${d.severity} ${d.span.line}`)).toEqual(['warning 5', 'warning 6']);
  expect(formatDiagnostics(bag.warnings(), text)).toMatchSnapshot();
});

test("the spec's own mistakes come before a kernel that cannot be found", async () => {
  const noKernel = async (): Promise<never> => {
    throw new EnvironmentError('no headers for that kernel');
  };
  await expect(planSpecFile('test/fixtures/diagnostics/every-mistake.yaml', noKernel)).rejects.toThrow(SpecError);
  await expect(planSpecFile(WARNINGS, noKernel)).rejects.toThrow(EnvironmentError);
});

test('guru check and guru render print the warnings and succeed', async () => {
  const { bag, text } = warningsOf(WARNINGS);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-warn-'));
  try {
    for (const args of [['check'], ['render', '-o', out]]) {
      const r = await execa('node', ['bin/guru.js', ...args, WARNINGS, '--kernel', 'debian:6.1'], { reject: false });
      expect({ args, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ args, exitCode: 0, stderr: formatDiagnostics(bag.warnings(), text) });
    }
    expect(fs.existsSync(path.join(out, 'probes.c'))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 60_000);

test("a family's write warning is said at every write of that target, and the write compiles", () => {
  const session = new CompileSession();
  const target: TargetVar = { name: '$len', ctype: 'int', access: { kind: 'kernelArg', index: 0 }, writable: true };
  const compiler = new ProbeCompiler(
    session,
    {
      probeLabel: 'kprobe:f',
      targets: new Map([['$len', target]]),
      unavailableTargets: new Map(),
      readOnly: new Map(),
      writeWarnings: new Map([['$len', { message: '$len has another copy here', hint: 'write it where it is computed' }]]),
      vars: [],
      varIds: new Map(),
      params: [],
      constant: () => undefined,
      constantNames: () => [],
    },
    0,
  );
  const span = { file: 'w.yaml', line: 3, col: 9, length: 8 };
  const stmt = compiler.compileAction({ text: '$len = 1', span });
  expect(stmt).toMatchObject({ k: 'setTarget', target: { name: '$len' } });
  expect(session.diagnostics).toEqual([{ severity: 'warning', message: '$len has another copy here', hint: 'write it where it is computed', span: { ...span, length: 4 } }]);
});
