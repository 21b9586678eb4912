// Every bad spec fixture is refused, and the diagnostics users see are
// reviewed as text snapshots (message, file:line:col, caret, hint).
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { SpecError } from '../../src/errors.js';
import { parseSpec } from '../../src/parseSpec.js';
import { specFixtures, type SpecFixture } from './fixtures.js';

function diagnosticsOf(fixture: SpecFixture): SpecError {
  try {
    parseSpec(fixture.file, fixture.text);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error(`${fixture.file} was accepted`);
}

const bad = specFixtures('bad');

test('there are enough bad fixtures to cover the parse-level mistakes', () => {
  expect(bad.length).toBeGreaterThanOrEqual(14);
});

describe.each(bad)('bad spec $name', (fixture) => {
  test('is refused with exactly one located diagnostic, matching the snapshot', () => {
    const error = diagnosticsOf(fixture);
    expect(error.diagnostics).toHaveLength(1);
    const [diagnostic] = error.diagnostics;
    expect(diagnostic.span.file).toBe(fixture.file);
    expect(diagnostic.hint).toBeTruthy();
    expect(formatDiagnostics(error.diagnostics, error.sourceText)).toMatchSnapshot();
  });
});

describe.each(specFixtures('multi'))('spec with several mistakes $name', (fixture) => {
  test('reports all of them, in file order', () => {
    const error = diagnosticsOf(fixture);
    expect(error.diagnostics.length).toBeGreaterThan(1);
    const positions = error.diagnostics.map((d) => d.span.line * 1000 + d.span.col);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(formatDiagnostics(error.diagnostics, error.sourceText)).toMatchSnapshot();
  });
});
