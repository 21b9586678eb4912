// ELF reader against binutils: symbols vs `nm`, sections vs `readelf -S`,
// build-id vs `readelf -n`, on a linked executable and a relocatable object.
import fs from 'node:fs';
import path from 'node:path';
import { openElf } from '../../src/debuginfo/elf.js';
import { buildIdFromNotes, parseNotes } from '../../src/debuginfo/elfNotes.js';
import { compileC, makeTempDir, run } from './toolchain.js';

const SOURCE = `
#include <stdio.h>
int counter = 3;
static long hidden_table[16];
static int helper(int x) { return x * counter + (int)hidden_table[x & 15]; }
int visible(int y) { return helper(y) + 1; }
void set_hidden(int i, long v) { hidden_table[i & 15] = v; }
__attribute__((section(".guru_manifest"), used)) static const char manifest[] = "{\\"probes\\":[]}";
int main(int argc, char **argv) { (void)argv; printf("%d\\n", visible(argc)); return 0; }
`;

let dir: string;
let exe: string;
let obj: string;

beforeAll(() => {
  dir = makeTempDir('elf');
  exe = compileC(dir, 'prog.c', SOURCE, 'prog', ['-g', '-O1', '-no-pie', '-Wl,--build-id=sha1']);
  obj = compileC(dir, 'prog.c', SOURCE, 'prog.o', ['-g', '-O1', '-c']);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** nm output as "name value type-letter" lines for defined symbols. */
function nmDefined(file: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of run('nm', ['--defined-only', file]).split('\n')) {
    const m = /^([0-9a-f]+) (\w) (\S+)$/.exec(line.trim());
    if (m) out.set(`${m[3]}/${m[2]!.toLowerCase() === 'a' ? 'abs' : 'sec'}`, BigInt(`0x${m[1]}`));
  }
  return out;
}

describe.each([
  ['executable', () => exe, 'exec'],
  ['relocatable object', () => obj, 'rel'],
])('ELF reader on a %s', (_label, file, expectedType) => {
  test('type and section headers match readelf -S', () => {
    const elf = openElf(file());
    try {
      expect(elf.type).toBe(expectedType);
      const text = run('readelf', ['-S', '-W', file()]);
      const names = [...text.matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)]
        .filter((m) => m[1] !== '0')
        .map((m) => ({ index: Number(m[1]), name: m[2]!, offset: parseInt(m[5]!, 16), size: parseInt(m[6]!, 16) }));
      expect(names.length).toBeGreaterThan(5);
      for (const want of names) {
        const got = elf.sections[want.index]!;
        expect({ index: got.index, name: got.name, offset: got.offset, size: got.size }).toEqual(want);
      }
    } finally {
      elf.close();
    }
  });

  test('defined symbols match nm', () => {
    const elf = openElf(file());
    try {
      const expected = nmDefined(file());
      const got = new Map<string, bigint>();
      for (const s of elf.symbols()) {
        if (s.sectionIndex === 0 || s.name === '' || s.type === 'file' || s.type === 'section') continue;
        got.set(`${s.name}/${s.sectionIndex === 0xfff1 ? 'abs' : 'sec'}`, s.value);
      }
      expect(got).toEqual(expected);
      const visible = elf.symbols().find((s) => s.name === 'visible')!;
      expect(visible).toMatchObject({ type: 'func', bind: 'global', section: '.text' });
      expect(visible.size).toBeGreaterThan(0);
      expect(elf.symbols().find((s) => s.name === 'hidden_table')).toMatchObject({ type: 'object', bind: 'local', size: 128 });
    } finally {
      elf.close();
    }
  });

  test('reads a custom section by name', () => {
    const elf = openElf(file());
    try {
      const bytes = elf.readSection('.guru_manifest')!;
      expect(bytes.toString('utf8').replace(/\0+$/, '')).toBe('{"probes":[]}');
      expect(elf.readSection('.no_such_section')).toBeUndefined();
      expect(elf.section('.debug_info')!.size).toBeGreaterThan(0);
    } finally {
      elf.close();
    }
  });
});

test('build-id matches readelf -n, also from a raw notes blob', () => {
  const m = /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', exe]));
  expect(m).not.toBeNull();
  const elf = openElf(exe);
  try {
    expect(elf.buildId()).toBe(m![1]);
    // A raw blob, as /sys/kernel/notes presents the kernel's notes.
    const blob = elf.readSection('.note.gnu.build-id')!;
    expect(buildIdFromNotes(parseNotes(Buffer.concat([elf.readSection('.note.ABI-tag') ?? Buffer.alloc(0), blob])))).toBe(m![1]);
  } finally {
    elf.close();
  }
});

test('build-id from PT_NOTE when section headers are gone', () => {
  // Zero e_shoff/e_shnum/e_shstrndx: only program headers remain.
  const copy = path.join(dir, 'noshdr');
  const bytes = fs.readFileSync(exe);
  bytes.writeBigUInt64LE(0n, 40);
  bytes.writeUInt16LE(0, 60);
  bytes.writeUInt16LE(0, 62);
  fs.writeFileSync(copy, bytes);
  const elf = openElf(copy);
  try {
    expect(elf.sections).toHaveLength(0);
    expect(elf.buildId()).toBe(/Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', exe]))![1]);
  } finally {
    elf.close();
  }
});

test('rejects non-ELF files with a clear message', () => {
  const bogus = path.join(dir, 'bogus');
  fs.writeFileSync(bogus, 'hello, not an elf file at all. '.repeat(4));
  expect(() => openElf(bogus)).toThrow(/not an ELF file/);
});
