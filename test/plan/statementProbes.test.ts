// Statement probes resolved against a program compiled during the test
// (gcc -g at -O0, -O1 and -O2, linked without PIE like vmlinux), through the
// same code path as a kernel: resolveProbePoint with KernelFacts whose
// debuginfo() is that program. For every line of every function the
// addresses, their symbol+offset and each variable's location at each
// address are compared with gdb's (and the CFA with readelf's).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProgramDebuginfo, type ProgramDebuginfo } from '../../src/debuginfo/programDebuginfo.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { resolveStatementProbe } from '../../src/probeFamilies/statement/resolveStatement.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { parseReadelfFrames, readelfCfa } from '../debuginfo/readelfFrames.js';
import { compareStatementProbes } from '../debuginfo/statementComparison.js';
import { makeTempDir, run } from '../debuginfo/toolchain.js';

const SOURCE = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'debuginfo', 'fixtures', 'statements.c'), 'utf8');
const FUNCTIONS = ['sum_points', 'write_like', 'main', 'square', 'clamp'];

describe.each([
  ['-O0', ['-O0']],
  ['-O1', ['-O1']],
  ['-O2', ['-O2']],
])('statement probes vs gdb, gcc %s', (_label, flags) => {
  let dir: string;
  let exe: string;
  let dbg: ProgramDebuginfo;
  let facts: KernelFacts;

  beforeAll(() => {
    dir = makeTempDir('statement');
    fs.writeFileSync(path.join(dir, 'statements.c'), SOURCE);
    // Like the kernel: .debug_frame, no PIE.
    run('gcc', ['-g', ...flags, '-fno-asynchronous-unwind-tables', '-no-pie', '-o', 'prog', 'statements.c'], dir);
    exe = path.join(dir, 'prog');
    dbg = openProgramDebuginfo(exe);
    facts = { ...fakeKernelFacts(), debuginfo: () => dbg };
  });
  afterAll(() => {
    dbg.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every line of every function: addresses, symbol+offset and variable locations equal gdb', () => {
    const cfa = readelfCfa(parseReadelfFrames(run('readelf', ['--debug-dump=frames-interp', exe]), '.debug_frame'));
    const result = compareStatementProbes({ binary: exe, functions: FUNCTIONS, facts, cfa });
    expect(result.mismatches).toEqual([]);
    expect(result.lines).toBeGreaterThan(25);
    expect(result.sites).toBeGreaterThanOrEqual(result.lines);
    expect(result.locations).toBeGreaterThan(100);
    console.log(`${flags.join(' ')}: ${result.lines} lines, ${result.sites} addresses, ${result.locations} variable locations equal gdb's (${result.unjudged} in callers gdb cannot show); kinds: ${JSON.stringify(result.kinds)}`);
  });

  test('a line without code names the lines that have some', () => {
    const r = resolveStatementProbe({ func: 'write_like', file: 'statements.c', line: 50 }, facts, 'statement:write_like@statements.c:50');
    expect(r).toMatchObject({ message: expect.stringMatching(/line 50 has no code in write_like/), hint: expect.stringMatching(/lines of statements\.c with code in write_like: \d/) });
  });

  test('an unknown function is refused with its name', () => {
    const r = resolveStatementProbe({ func: 'no_such', file: 'statements.c', line: 30 }, facts, 'statement:no_such@statements.c:30');
    expect(r).toMatchObject({ message: expect.stringMatching(/no function no_such in the debug information/) });
  });

  test('a file the function has no code from lists its files', () => {
    const r = resolveStatementProbe({ func: 'sum_points', file: 'other.c', line: 30 }, facts, 'statement:sum_points@other.c:30');
    expect(r).toMatchObject({ message: expect.stringMatching(/sum_points on .* has no code from other\.c/), hint: expect.stringMatching(/statements\.c/) });
  });

  test('inlined copies are probed where they were inlined, with the caller as symbol', () => {
    // square() is only inlined when optimising; at -O0 it is a function of its own.
    const lines = dbg.findFunctions('square').flatMap((f) => dbg.functionLines(f));
    const line = lines.find((l) => l.file.endsWith('statements.c'))!.line;
    const r = resolveStatementProbe({ func: 'square', file: 'statements.c', line }, facts, `statement:square@statements.c:${line}`);
    if ('message' in r) throw new Error(r.message);
    const symbols = new Set(r.placement.statement.sites.map((s) => s.symbol));
    if (!flags.includes('-O0')) {
      expect(r.placement.statement.sites.length).toBeGreaterThanOrEqual(2);
      expect(symbols.has('square')).toBe(false);
    } else {
      expect([...symbols]).toEqual(['square']);
    }
  });
});
