// Rendering is a pure function of the plan: golden files pin the generated
// C for every example and for a spec that tries to break out of C strings.
// Regenerate after an intended change with GURU_UPDATE_GOLDEN=1.
import fs from 'node:fs';
import path from 'node:path';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { renderModule } from '../../src/render/renderModule.js';
import { templates } from '../../src/render/templates.js';
import { readSpecFile } from '../../src/pipeline.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { isSpecVariant } from '../helpers/specVariants.js';
import { fakeKsysWriteDebuginfo } from '../helpers/fakeStatementDebuginfo.js';
import { EXAMPLE_TRACEPOINTS } from '../helpers/fakeTracepoints.js';
import { provideTracepointCatalog } from '../../src/probeFamilies/tracepoint/catalog.js';

const specs = [
  // Per-kernel variants (NAME@X.Y.yaml) name other kernels' lines; the golden files pin the main specs.
  // The band-aids name their kernel functions' arguments and members, typed by the target's BTF, which
  // these fake facts lack: their builds (test/kbuild/examples) and VM test (runtime/bandaids) pin them.
  ...fs.readdirSync('examples').filter((f) => f.endsWith('.yaml') && !isSpecVariant(f) && !f.startsWith('bandaid-')).map((f) => path.join('examples', f)),
  'test/fixtures/render/c-injection.yaml',
].sort();

/** The kernel functions the examples name, and what their *ptrace* wildcards match. */
const SYMBOLS = ['cap_ptrace_access_check', 'ptrace_may_access', '__ptrace_may_access', 'security_ptrace_access_check', 'do_sys_openat2', 'ksys_write', 'ksys_read', '__x64_sys_read', '__x64_sys_write', '__x64_sys_openat', '__x64_sys_chmod'];

/** Statement probes (examples/echo-statement.yaml) resolve against a canned ksys_write, tracepoints against the examples' events. */
function exampleFacts() {
  const facts = { ...fakeKernelFacts(SYMBOLS), debuginfo: fakeKsysWriteDebuginfo };
  provideTracepointCatalog(facts, EXAMPLE_TRACEPOINTS);
  return facts;
}

function render(spec: string) {
  return renderModule(buildPlan(readSpecFile(spec), exampleFacts()));
}

test.each(specs)('%s renders as its golden file', (spec) => {
  const rendered = render(spec);
  const dir = path.join('test/golden', path.basename(spec, '.yaml'));
  for (const name of ['probes.c', 'Kbuild']) {
    const file = path.join(dir, name);
    if (process.env.GURU_UPDATE_GOLDEN) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, rendered.files[name]);
    }
    expect(rendered.files[name]).toBe(fs.readFileSync(file, 'utf8'));
  }
});

test('the precompiled templates (npm run build) render the same bytes as the templates compiled at run time', () => {
  const precompiled = templates('precompiled');
  const compiled = templates('compiled');
  const facts = exampleFacts();
  for (const spec of specs) {
    const plan = buildPlan(readSpecFile(spec), facts);
    expect(renderModule(plan, precompiled).files).toEqual(renderModule(plan, compiled).files);
  }
});

test('rendering twice gives the same bytes', () => {
  for (const spec of specs) expect(render(spec).files).toEqual(render(spec).files);
});

test('strings from the spec stay inside C string literals', () => {
  const c = render('test/fixtures/render/c-injection.yaml').files['probes.c'];
  // Every line holding spec text is either a comment or a string literal.
  expect(c).not.toContain('#include <evil.h>\n');
  expect(c).toContain('ends a comment * / #include <evil.h>');
  expect(c).toContain('"\\"); panic(\\""');
  expect(c).toContain('trigraph \\?\\?= and');
  expect(c).toContain('guru_comm_glob("ba\\?h*")');
  // Reading the literals back with C's rules gives the spec's text again.
  const literal = /guru_log_str\(ctx, ("(?:[^"\\]|\\.)*")\)/.exec(c)![1];
  expect(unescapeC(literal)).toBe('\\"; } static void x(void) { //');
});

function unescapeC(lit: string): string {
  return lit.slice(1, -1).replace(/\\([0-7]{3}|.)/g, (_, e: string) =>
    /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : ({ n: '\n', t: '\t' } as Record<string, string>)[e] ?? e,
  );
}

test('symbol names reach C as escaped string literals, whatever bytes they hold', () => {
  // Kernel symbols come from kallsyms and BTF, not from the spec; still, none may break out of its literal.
  const weird = 'fn"); evil("\\x';
  const expected = '.symbol_name = "fn\\"); evil(\\"\\\\x",';
  for (const spec of ['examples/ptrace-return-codes.yaml', 'examples/openat-offset.yaml', 'examples/echo-one-byte.yaml']) {
    const plan = buildPlan(readSpecFile(spec), fakeKernelFacts());
    const c = renderModule({ ...plan, probes: plan.probes.map((p) => ('symbol' in p ? { ...p, symbol: weird } : p)) as typeof plan.probes }).files['probes.c'];
    const names = c.split('\n').filter((l) => l.includes('.symbol_name ='));
    expect(names.length).toBeGreaterThan(0);
    for (const line of names) expect(line.trim()).toBe(expected);
  }
});
