// The project's own scripts and the Vagrantfile: they parse, they lint, and
// the promises the README makes about them hold.
import fs from 'node:fs';
import { execa } from 'execa';

test('the shell scripts pass shellcheck', async () => {
  const scripts = fs.readdirSync('scripts').filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`);
  expect(scripts).toContain('scripts/setup.sh');
  const r = await execa('shellcheck', [...scripts, '.ci/run'], { reject: false, all: true });
  expect(r.all).toBe('');
  expect(r.exitCode).toBe(0);
});

test('the Vagrantfile parses and provisions with the project set-up script', async () => {
  const r = await execa('ruby', ['-c', 'Vagrantfile'], { reject: false, all: true });
  expect(r.all).toContain('Syntax OK');
  expect(fs.readFileSync('Vagrantfile', 'utf8')).toMatch(/^\s*config\.vm\.box = "debian\/trixie64"$/m);
  expect(fs.readFileSync('Vagrantfile', 'utf8')).toMatch(/bash \/vagrant\/scripts\/provision-vagrant\.sh/);
  expect(fs.readFileSync('scripts/provision-vagrant.sh', 'utf8')).toMatch(/^bash scripts\/setup\.sh$/m);
});

test('CI runs the test command the README gives', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const ci = fs.readFileSync('.ci/run', 'utf8');
  const testCommand = /^\s*(npm test)\s*$/m.exec(readme)?.[1];
  expect(testCommand).toBe('npm test');
  expect(ci).toMatch(/^npm test$/m);
  expect(readme).toMatch(/^\s*npm run demo\s*$/m);
});
