// where: comm with the bytes task names really hold (quotes, backslashes, a
// literal star, UTF-8), in each test kernel: copies of /bin/echo under
// those names write, and the module logs exactly the ones its patterns name.
// The golden test (test/render) pins the escaped C; this one proves the
// kernel compares what the spec says.
import fs from 'node:fs';
import path from 'node:path';
import { commPatternMatches } from '../../src/patchSpec/commPattern.js';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { shellQuote } from '../../src/vm/shellQuote.js';

describeOnFirstKernel((storedKernel) => {
  const PATTERNS = ['q"uote', 'back\\slash', 'g\\"*', '[*]star', 'h\u00e9llo'];
  const NAMES = ['q"uote', 'back\\slash', 'g\\"x', 'g"x', 'backslash', '*star', 'xstar', 'h\u00e9llo', 'hello'];
  const EXPECTED = ['q"uote', 'back\\slash', 'g\\"x', '*star', 'h\u00e9llo'];

  let dir: string;
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test('the reference matcher picks the expected names (the oracle agrees with the test)', () => {
    expect(NAMES.filter((n) => PATTERNS.some((p) => commPatternMatches(p, n)))).toEqual(EXPECTED);
  });

  test('a comm with ", \\, * or UTF-8 is matched byte for byte in the kernel', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/comm-names.yaml');
    dir = hostTempDir();
    const workload = path.join(dir, 'workload.sh');
    fs.writeFileSync(
      workload,
      ['mkdir -p /tmp/names', ...NAMES.flatMap((n) => [`cp /bin/echo /tmp/names/${shellQuote(n)}`, `/tmp/names/${shellQuote(n)} hi > /dev/null`])].join('\n') + '\n',
    );
    const run = await runGuestScript(
      kernel,
      [
        `${guruCommand()} apply ${ko} -o /tmp/events --run 'sh ${workload}' 2> /tmp/summary`,
        `echo "[apply-exit:$?]<<"`,
        showFile('events', '/tmp/events'),
        showFile('summary', '/tmp/summary'),
      ].join('\n'),
    );
    const seen = markers(run.stdout);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('events')).toBe(EXPECTED.map((n) => `[${n}]\n`).join(''));
  }, 300_000);
});
