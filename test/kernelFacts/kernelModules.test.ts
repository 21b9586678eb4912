// The module function index, read from modules compiled by gcc here: some
// kept as .ko, some compressed as .ko.xz (decompressed in batches by a few
// xz processes at once). The oracle is nm on the uncompressed objects.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElfFile } from '../../src/debuginfo/elf.js';
import { forEachXzModule, kernelModules } from '../../src/kernelFacts/kernelModules.js';

let dir: string;
const modules = ['alpha', 'beta_two', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'];

/** Text functions by nm (T or t in a .text section). */
function nmFunctions(object: string): string[] {
  return execFileSync('nm', ['--defined-only', object]).toString('utf8').split('\n')
    .map((l) => l.split(' '))
    .filter((c) => c.length === 3 && /^[Tt]$/.test(c[1]!))
    .map((c) => c[2]!)
    .sort();
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-modules-test-'));
  fs.mkdirSync(path.join(dir, 'kernel'), { recursive: true });
  const dep: string[] = [];
  modules.forEach((name, i) => {
    const c = path.join(dir, `${name}.c`);
    // Each module shares `common_helper` and has functions of its own; one is an init function (left out).
    fs.writeFileSync(c, `int common_helper(int x) { return x + ${i}; }\n` +
      `int ${name}_open(int x) { return common_helper(x) * 2; }\n` +
      `static int ${name}_local(int x) { return x - 1; }\nint (*${name}_ptr)(int) = ${name}_local;\n` +
      `__attribute__((section(".init.text"))) int ${name}_init(void) { return 0; }\n` + `char ${name}_pad[${1000 * (i + 1)}] = { 1 };\n`);
    const ko = path.join(dir, 'kernel', `${name.replace('_', '-')}.ko`);
    execFileSync('gcc', ['-O1', '-fno-inline', '-c', '-o', ko, c]);
    if (i % 3 !== 0) {
      execFileSync('xz', ['--check=crc32', ko]);
      dep.push(`kernel/${path.basename(ko)}.xz:`);
    } else dep.push(`kernel/${path.basename(ko)}:`);
  });
  fs.writeFileSync(path.join(dir, 'modules.dep'), dep.join('\n') + '\n');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the function index lists every module\'s text functions, compressed or not, and nothing of .init.text', () => {
  const m = kernelModules({ release: 'test-release', dir, indexFile: path.join(dir, 'index.tsv') })!;
  expect(m.names()).toEqual([...modules].sort());
  const index = m.functionIndex();
  expect(index.get('common_helper')).toEqual([...modules].sort());
  for (const name of modules) {
    expect(index.get(`${name}_open`)).toEqual([name]);
    expect(index.get(`${name}_local`)).toEqual([name]);
    expect(index.has(`${name}_init`)).toBe(false);
    expect(m.modulesDefining(`${name}_open`)).toEqual([name]);
  }
  // Each module's set is nm's text symbols of its object, minus .init.text.
  const xzDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-modules-nm-'));
  try {
    for (const line of fs.readFileSync(path.join(dir, 'modules.dep'), 'utf8').trim().split('\n')) {
      const file = path.join(dir, line.slice(0, -1));
      const plain = file.endsWith('.xz') ? path.join(xzDir, path.basename(file, '.xz')) : file;
      if (plain !== file) fs.writeFileSync(plain, execFileSync('xz', ['-dc', file]));
      const name = path.basename(plain, '.ko').replace('-', '_');
      expect([name, [...m.functions(name)].sort()]).toEqual([name, nmFunctions(plain).filter((f) => !f.endsWith('_init'))]);
    }
  } finally {
    fs.rmSync(xzDir, { recursive: true, force: true });
  }
  // The cached index reads back the same.
  const again = kernelModules({ release: 'test-release', dir, indexFile: path.join(dir, 'index.tsv') })!;
  expect([...again.functionIndex()].sort()).toEqual([...index].sort());
});

test('batches of any size split back into the same modules, in order', () => {
  const files = fs.readFileSync(path.join(dir, 'modules.dep'), 'utf8').trim().split('\n')
    .map((l) => path.join(dir, l.slice(0, -1))).filter((f) => f.endsWith('.xz'));
  expect(files.length).toBeGreaterThanOrEqual(4);
  for (const batch of [1, 2, 3, 100]) {
    const seen: string[] = [];
    forEachXzModule(files, (file, elf) => {
      const plain = execFileSync('xz', ['-dc', file]);
      const whole = ElfFile.fromBuffer(file, plain);
      expect(elf.symbols().map((s) => s.name)).toEqual(whole.symbols().map((s) => s.name));
      seen.push(file);
    }, batch);
    expect(seen).toEqual(files);
  }
});
