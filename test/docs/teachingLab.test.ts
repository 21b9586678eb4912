// docs/teaching.md is a lab whose every command is run here, in the order
// the page gives, and whose output must be the page's: each ```console
// block holds `$ COMMAND` lines, each followed by the output it shows. In
// the shown output, a line `…` matches any number of lines and `…` inside a
// line any text. `guru` is this checkout's (a shim on PATH), run from the
// repository root as the lab says. The lab's scratch folder, /tmp/guru-lab,
// is a private one per run (in commands and shown output alike): two runs at
// once, as on a shared CI machine, removed each other's files.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { debianKernel, hostTempDir } from '../helpers/guest.js';

interface LabStep {
  command: string;
  expected: string[];
  line: number;
}

function labSteps(markdown: string): LabStep[] {
  const steps: LabStep[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```console') continue;
    let step: LabStep | undefined;
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      const l = lines[i]!;
      if (l.startsWith('$ ')) {
        step = { command: l.slice(2), expected: [], line: i + 1 };
        steps.push(step);
      } else if (step) step.expected.push(l);
      else throw new Error(`docs/teaching.md:${i + 1}: output before any $ command`);
    }
  }
  return steps;
}

/** Whether OUTPUT's lines match EXPECTED's, `…` lines matching any run of lines. */
function matchesLab(expected: string[], output: string[]): boolean {
  const lineMatches = (pattern: string, line: string): boolean =>
    new RegExp(`^${pattern.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(line);
  const match = (e: number, o: number): boolean => {
    if (e === expected.length) return o === output.length;
    if (expected[e] === '…') {
      for (let k = o; k <= output.length; k++) if (match(e + 1, k)) return true;
      return false;
    }
    return o < output.length && lineMatches(expected[e]!, output[o]!) && match(e + 1, o + 1);
  };
  return match(0, 0);
}

function run(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LAB_DIR = '/tmp/guru-lab';
const labDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-lab-'));
const privateLab = (text: string): string => text.split(LAB_DIR).join(labDir);
const steps = labSteps(fs.readFileSync('docs/teaching.md', 'utf8'));
let shim: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await debianKernel();
  shim = hostTempDir();
  fs.writeFileSync(path.join(shim, 'guru'), `#!/bin/sh\nexec ${process.execPath} ${path.resolve('bin/guru.js')} "$@"\n`, { mode: 0o755 });
  env = { ...process.env, PATH: `${shim}:${process.env.PATH}` };
});
afterAll(() => {
  if (shim) fs.rmSync(shim, { recursive: true, force: true });
  fs.rmSync(labDir, { recursive: true, force: true });
});

test('the lab has its parts, each with commands and the output they show', () => {
  expect(steps.length).toBeGreaterThanOrEqual(12);
  expect(steps.filter((s) => s.command.startsWith('guru apply')).length).toBeGreaterThanOrEqual(5);
});

test('the matcher: … lines match any run of lines, … in a line any text', () => {
  expect(matchesLab(['a', '…', 'z'], ['a', 'b', 'c', 'z'])).toBe(true);
  expect(matchesLab(['a', '…', 'z'], ['a', 'z'])).toBe(true);
  expect(matchesLab(['pid …'], ['pid 42'])).toBe(true);
  expect(matchesLab(['a (b)'], ['a (c)'])).toBe(false);
  expect(matchesLab(['a'], ['a', 'extra'])).toBe(false);
});

// One test per command, in order (jest runs a file's tests in sequence).
test.each(steps.map((s) => [s.line, s.command, s] as const))('docs/teaching.md:%d $ %s', async (_line, _command, step) => {
  const r = await run(privateLab(step.command), env);
  const output = r.stdout.replace(/\n$/, '').split('\n');
  const shown = step.expected.map(privateLab);
  const expected = shown.length && shown[shown.length - 1] === '' ? shown.slice(0, -1) : shown;
  if (r.code !== 0 || !matchesLab(expected, r.stdout === '' ? [] : output)) {
    throw new Error(`docs/teaching.md:${step.line}: $ ${step.command}\nexit ${r.code}\n--- expected\n${expected.join('\n')}\n--- got\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}, 600_000);

test('the lab leaves nothing behind in the checkout', () => {
  expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'examples', 'docs'], { encoding: 'utf8' })).toBe('');
});
