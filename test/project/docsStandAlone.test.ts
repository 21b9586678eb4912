// The repository's documentation stands on its own: no file points outside
// it (a user of the repository has no design notes beside it), every link
// between README and docs/ lands on a file and heading that exist, every
// docs/ file a comment names exists, and docs/cli.md describes every
// command and every option the CLI has.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter((f) => f && fs.existsSync(f));
const textFiles = tracked.filter((f) => /\.(ts|js|c|h|hbs|md|sh|yaml|json)$|^Vagrantfile$|^\.ci\//.test(f) && f !== 'package-lock.json');
const markdown = tracked.filter((f) => f.endsWith('.md'));

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes. */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)) {
    out.add(m[1].trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

test('no file refers to anything outside the repository (../shared, DESIGN.md, DESIGN §)', () => {
  const outside = /\.\.\/shared\b|DESIGN\.md|DESIGN §/;
  const found = textFiles
    .filter((f) => f !== 'test/project/docsStandAlone.test.ts')
    .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').flatMap((line, i) => (outside.test(line) ? [`${f}:${i + 1}`] : [])));
  expect(found).toEqual([]);
});

test('every relative link in README and docs/ lands on an existing file and heading', () => {
  const broken: string[] = [];
  for (const file of markdown) {
    const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1];
      if (/^[a-z]+:/.test(link)) continue; // http:, mailto:
      const [target, anchor] = link.split('#');
      const resolved = target ? path.join(path.dirname(file), target) : file;
      if (!fs.existsSync(resolved)) broken.push(`${file}: ${link} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${file}: ${link} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

test('every docs/ file a source comment names exists', () => {
  const missing = new Set<string>();
  for (const f of textFiles) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/\bdocs\/([a-z0-9-]+\.md)/g)) if (!fs.existsSync(path.join('docs', m[1]))) missing.add(`docs/${m[1]} (named in ${f})`);
  }
  expect([...missing]).toEqual([]);
});

test('docs/cli.md has a section for every command, naming each of its options', async () => {
  const cli = fs.readFileSync('docs/cli.md', 'utf8');
  const guru = path.resolve('bin/guru.js');
  const help = async (...args: string[]) => (await run(process.execPath, [guru, ...args, '--help'], { encoding: 'utf8' })).stdout;
  const commands = [...(await help()).matchAll(/^ {2}guru ([a-z]+)/gm)].map((m) => m[1]);
  expect(commands.length).toBeGreaterThanOrEqual(10);
  const invocations = commands.flatMap((c) => (c === 'kernel' ? ['add', 'list', 'rm'].map((sub) => [c, sub]) : [[c]]));
  const helps = await Promise.all(invocations.map((argv) => help(...argv)));
  const missing: string[] = [];
  invocations.forEach((argv, i) => {
    const section = new RegExp(`^## [^\\n]*\\bguru ${argv[0]}\\b[^\\n]*\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(cli)?.[1];
    if (!section) {
      missing.push(`no section for guru ${argv[0]}`);
      return;
    }
    for (const m of helps[i].matchAll(/^\s+(?:(-\w), )?--([a-z][a-z-]*)/gm)) {
      const [short, flag] = [m[1], `--${m[2]}`];
      if (flag === '--help') continue;
      // --kernel, --kdir and --debuginfo are described once, under "Naming a kernel".
      const kernelOption = ['--kernel', '--kdir', '--debuginfo'].includes(flag) && cli.includes(`\`${flag}`);
      if (!section.includes(flag) && !(short && section.includes(short)) && !kernelOption) missing.push(`guru ${argv.join(' ')} ${flag}`);
    }
  });
  expect(missing).toEqual([]);
});
