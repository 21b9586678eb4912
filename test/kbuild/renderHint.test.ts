// guru render's "build it:" line is a command that builds the module as it
// stands (it named /lib/modules/debian:6.1/build for --kernel debian:6.1).
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { debianKernel, hostTempDir } from '../helpers/guest.js';

let dir: string;
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

test('guru render --kernel debian:6.1 prints a make command that builds guru_NAME.ko', async () => {
  const kernel = await debianKernel();
  dir = hostTempDir();
  const out = path.join(dir, 'src');
  const printed = execFileSync(process.execPath, [path.resolve('bin/guru.js'), 'render', 'examples/echo-one-byte.yaml', '--kernel', 'debian:6.1', '-o', out], { encoding: 'utf8' });
  const make = /^build it: (make .*)$/m.exec(printed)?.[1];
  expect(make).toBe(`make -C ${kernel.headersDir} M=${out} modules`);
  execSync(make!, { stdio: 'ignore' });
  expect(fs.existsSync(path.join(out, 'guru_echo_one_byte.ko'))).toBe(true);
}, 120_000);
