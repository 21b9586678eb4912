// guru's output piped into a reader that stops early (`| head -1`): guru
// stops writing and exits, with no EPIPE stack trace on stderr.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { debianKernel } from '../helpers/guest.js';

test("guru list 'kprobe:*' | head -1 prints one line and no error", async () => {
  await debianKernel();
  const guru = `${process.execPath} ${path.resolve('bin/guru.js')}`;
  const r = spawnSync('sh', ['-c', `${guru} list 'kprobe:*' --kernel debian:6.1 | head -1`], { encoding: 'utf8' });
  expect(r.stdout.split('\n')[0]).toMatch(/^kprobe:\w+$/);
  expect(r.stderr).toBe('');
}, 120_000);

test('guru doctor --kernel debian:6.1 | head -1: the same for a command that writes line by line', async () => {
  await debianKernel();
  const r = spawnSync('sh', ['-c', `${process.execPath} ${path.resolve('bin/guru.js')} doctor --kernel debian:6.1 | head -1`], { encoding: 'utf8' });
  expect(r.stdout).toMatch(/^ok {4}kernel store: debian:6\.1 is /);
  expect(r.stderr).toBe('');
}, 120_000);
