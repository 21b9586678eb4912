// The call-frame reader against readelf --debug-dump=frames-interp: the
// statements.c fixture compiled during the test with and without frame
// pointers, with .eh_frame (gcc's default) and with .debug_frame
// (-fno-asynchronous-unwind-tables, like the kernel), and every row of every
// FDE compared: CFA rule and every register column readelf shows.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CallFrameInfo } from '../../src/debuginfo/dwarf/callFrames.js';
import { openElf } from '../../src/debuginfo/elf.js';
import { compareWithReadelf, parseReadelfFrames } from './readelfFrames.js';
import { makeTempDir, run } from './toolchain.js';

const SOURCE = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'statements.c'), 'utf8');

describe.each([
  ['-O2, .eh_frame', ['-O2'], '.eh_frame'],
  ['-O2 -fno-omit-frame-pointer, .eh_frame', ['-O2', '-fno-omit-frame-pointer'], '.eh_frame'],
  ['-O2, .debug_frame', ['-O2', '-fno-asynchronous-unwind-tables'], '.debug_frame'],
  ['-O0, .debug_frame', ['-O0', '-fno-asynchronous-unwind-tables'], '.debug_frame'],
])('call frames vs readelf, %s', (_label, flags, section) => {
  let dir: string;
  let exe: string;

  beforeAll(() => {
    dir = makeTempDir('cfi');
    fs.writeFileSync(path.join(dir, 'statements.c'), SOURCE);
    run('gcc', ['-g', ...flags, '-no-pie', '-o', 'prog', 'statements.c'], dir);
    exe = path.join(dir, 'prog');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every FDE row equals readelf frames-interp', () => {
    const elf = openElf(exe);
    try {
      const cfi = CallFrameInfo.fromElf(elf)!;
      expect(cfi).toBeDefined();
      const fdes = parseReadelfFrames(run('readelf', ['--debug-dump=frames-interp', exe]), section);
      expect(fdes.length).toBeGreaterThanOrEqual(3);
      const result = compareWithReadelf(cfi, fdes);
      expect(result.mismatches).toEqual([]);
      expect(result.rows).toBeGreaterThan(10);
    } finally {
      elf.close();
    }
  });

  test('rows tile each FDE without gaps', () => {
    const elf = openElf(exe);
    try {
      const cfi = CallFrameInfo.fromElf(elf)!;
      for (const fde of cfi.allFdes()) {
        const rows = cfi.rowsAt(fde.low);
        expect(rows[0]!.low).toBe(fde.low);
        expect(rows[rows.length - 1]!.high).toBe(fde.high);
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.low).toBe(rows[i - 1]!.high);
      }
    } finally {
      elf.close();
    }
  });
});

test('an address outside every FDE has no row', () => {
  const dir = makeTempDir('cfi');
  try {
    fs.writeFileSync(path.join(dir, 'statements.c'), SOURCE);
    run('gcc', ['-g', '-O2', '-no-pie', '-o', 'prog', 'statements.c'], dir);
    const elf = openElf(path.join(dir, 'prog'));
    try {
      const cfi = CallFrameInfo.fromElf(elf)!;
      expect(cfi.rowAt(0x10n)).toBeUndefined();
    } finally {
      elf.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
