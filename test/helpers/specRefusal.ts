// What `guru check` would print for a spec the compiler refuses: the
// diagnostics of the SpecError that BUILD throws, as text. A spec that is
// accepted fails the test instead.
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { SpecError } from '../../src/errors.js';

export function refusalText(build: () => unknown): string {
  try {
    build();
  } catch (err) {
    if (err instanceof SpecError) return formatDiagnostics(err.diagnostics, err.sourceText);
    throw err;
  }
  throw new Error('the spec was accepted, but it holds a mistake');
}
