// Store progress when stderr is not a terminal (a log, CI, a pipe): plain
// lines, one per step and one every 10% of a download, never a control
// character, never silence.
import { PassThrough } from 'node:stream';
import { terminalProgress } from '../../src/kernelStore/storeProgress.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => (out += c.toString('utf8')));
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

test('a download reports every 10% as a plain line, and each step once', () => {
  const { stream, text } = capture();
  const progress = terminalProgress(stream);
  progress.step('resolving debian:6.12 with apt');
  progress.step('downloading 3 packages (1020 MB)');
  for (let p = 0; p <= 100; p += 0.5) progress.percent(p);
  progress.step('extracting 2 packages');
  progress.percent(35); // a later step's percentages start over
  progress.end(true);
  expect(text()).toBe(
    [
      'guru: resolving debian:6.12 with apt',
      'guru: downloading 3 packages (1020 MB)',
      ...[10, 20, 30, 40, 50, 60, 70, 80, 90].map((p) => `guru: downloading 3 packages (1020 MB): ${p}%`),
      'guru: extracting 2 packages',
      'guru: extracting 2 packages: 30%',
      '',
    ].join('\n'),
  );
  expect(text()).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
});
