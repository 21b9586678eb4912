// BTF reader against dwarves: a C file compiled with `gcc -g -c`, converted
// with `pahole -J`; prototypes compared with `pfunct -F btf -P`, struct
// layouts with `pahole -F btf`, tracepoint typedefs with `pahole -C`.
import fs from 'node:fs';
import path from 'node:path';
import { Btf, readBtf } from '../../src/debuginfo/btf.js';
import { openElf } from '../../src/debuginfo/elf.js';
import { makeTempDir, run } from './toolchain.js';

const SOURCE = `
#include <stddef.h>
#include <stdint.h>
struct inner { int a; char b[3]; };
struct file {
  long f_pos;
  unsigned int flags:3, mode:5;
  struct inner in;
  union { int u1; char *u2; };
  struct { short s1; int s2; };
  const char *name;
  void (*cb)(int, struct file *);
  int (*table)[4];
  uint64_t big;
  _Bool ok;
  float ratio;
  double weights[3];
};
typedef struct file file_t;
enum color { RED, GREEN = 5, BLUE = -1 };
enum big { BIG = 0x100000000ULL, SMALL = 1 };
volatile int vol;
int write_it(unsigned int fd, const char *buf, size_t count, struct file *f, enum color c, enum big b) { return fd + buf[0] + count + f->f_pos + c + b + vol; }
char *const *weird(char *const *p, const volatile int *restrict q, float x, double y, _Bool z) { return p + *q + (int)x + (int)y + z; }
void noargs(void) { vol = 1; }
int logf_like(const char *fmt, ...) { return fmt[0]; }
file_t *by_typedef(file_t *f, unsigned char c, long long ll, unsigned short us) { f->ok = c + ll + us; return f; }
typedef void (*btf_trace_sched_switch)(void *__data, _Bool preempt, struct file *prev, struct file *next, unsigned int prev_state);
btf_trace_sched_switch tp;
`;

let dir: string;
let obj: string;
let btf: Btf;

/** Whitespace-insensitive C text (pahole and pfunct pad around '*'). */
const normC = (s: string): string => s.replace(/\s*\*\s*/g, '*').replace(/\s+/g, ' ').replace(/\s*([(),\[\]])\s*/g, '$1').trim();

beforeAll(() => {
  dir = makeTempDir('btf');
  fs.writeFileSync(path.join(dir, 't.c'), SOURCE);
  run('gcc', ['-g', '-c', 't.c', '-o', 't.o'], dir);
  run('pahole', ['-J', 't.o'], dir);
  obj = path.join(dir, 't.o');
  btf = readBtf(obj);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every function prototype matches pfunct -F btf -P', () => {
  const lines = run('pfunct', ['-F', 'btf', '-P', obj]).split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBe(5);
  for (const line of lines) {
    const name = /(\w+)\(/.exec(line)![1]!;
    const proto = btf.findFunction(name);
    expect(proto).toBeDefined();
    expect(normC(proto!.declaration)).toBe(normC(line.replace(/;$/, '')));
  }
});

test('prototype details: parameter names, C types, sizes, variadic', () => {
  const w = btf.findFunction('write_it')!;
  expect(w.params.map((p) => [p.name, p.cType, p.size])).toEqual([
    ['fd', 'unsigned int', 4],
    ['buf', 'const char *', 8],
    ['count', 'size_t', 8],
    ['f', 'struct file *', 8],
    ['c', 'enum color', 4],
    ['b', 'enum big', 8],
  ]);
  expect(w.returnType.cType).toBe('int');
  expect(btf.findFunction('noargs')!.declaration).toBe('void noargs(void)');
  const v = btf.findFunction('logf_like')!;
  expect(v.variadic).toBe(true);
  expect(v.declaration).toBe('int logf_like(const char *fmt, ...)');
  expect(btf.findFunction('no_such_function')).toBeUndefined();
});

/** pahole -F btf members of struct NAME: name → [byte offset, bit, size] (top level only). */
function paholeMembers(name: string): Map<string, { offset: number; bit: number; size: number; type: string }> {
  const text = run('pahole', ['-F', 'btf', '-C', name, obj]);
  const out = new Map<string, { offset: number; bit: number; size: number; type: string }>();
  for (const line of text.split('\n')) {
    // Top-level members are indented by exactly one tab.
    const m = /^\t(\S.*?)\s+\(?\*?(\w+)\)?(?:\(.*\))?(?:\[\d+\])*(?::\d+)?;\s+\/\*\s+(\d+)(?::\s*(\d+))?\s+(\d+)\s+\*\//.exec(line);
    if (m) out.set(m[2]!, { type: m[1]!, offset: Number(m[3]), bit: Number(m[4] ?? 0), size: Number(m[5]) });
  }
  return out;
}

test('struct member offsets and sizes match pahole -F btf', () => {
  const expected = paholeMembers('file');
  expect(expected.size).toBeGreaterThanOrEqual(10);
  for (const [name, want] of expected) {
    const got = btf.member('file', name)!;
    expect({ name, offset: got.offset, bit: got.bitOffset - got.offset * 8, size: got.size }).toEqual({ name, offset: want.offset, bit: want.bit, size: want.size });
    // pahole prints the base type in its own column; declarator parts ((*), [N]) follow the name.
    if (!/[([]/.test(got.cType) && got.cType !== 'union {...}') expect(normC(got.cType)).toBe(normC(want.type));
  }
  // Members of anonymous unions/structs are reachable, with outer offsets.
  const u2 = btf.member('file', 'u2')!;
  expect(u2.offset).toBe(btf.members('file')!.find((m) => m.name === '' && m.cType === 'union {...}')!.offset);
  expect(u2.cType).toBe('char *');
  const s2 = btf.member('file', 's2')!;
  const anonStruct = btf.members('file')!.find((m) => m.name === '' && m.cType === 'struct {...}')!;
  expect(s2.offset).toBe(anonStruct.offset + 4);
  // Bitfields: width and bit offset.
  expect(btf.member('file', 'mode')).toMatchObject({ bitSize: 5, bitOffset: btf.member('file', 'flags')!.bitOffset + 3 });
  // Typedef names resolve to the struct.
  const viaTypedef = btf.typesNamed('file_t')[0]!;
  expect(btf.member(viaTypedef.id, 'f_pos')).toMatchObject({ offset: 0, size: 8, cType: 'long int' });
  expect(btf.member('file', 'cb')!.cType).toBe('void (*)(int, struct file *)');
  expect(btf.member('file', 'table')!.cType).toBe('int (*)[4]');
  expect(btf.member('file', 'nope')).toBeUndefined();
});

test('enum values match pahole (ENUM and 64-bit ENUM64 or wide ENUM)', () => {
  for (const name of ['color', 'big']) {
    const text = run('pahole', ['-F', 'btf', '-C', name, obj]);
    const want = [...text.matchAll(/^\s+(\w+)\s+=\s+(-?\d+),/gm)].map((m) => [m[1], BigInt(m[2]!)]);
    const t = btf.typesNamed(name).find((x) => x.kind === 'enum')!;
    expect(t.kind).toBe('enum');
    if (t.kind !== 'enum') return;
    // pahole prints the unsigned 32-bit pattern for negative values of a 4-byte enum.
    const got = t.values.map((v) => [v.name, t.size === 4 && v.value < 0n ? BigInt.asUintN(32, v.value) : v.value]);
    expect(got).toEqual(want);
  }
});

test('tracepoint arguments from btf_trace_<event> match pahole', () => {
  const text = run('pahole', ['-F', 'btf', '-C', 'btf_trace_sched_switch', obj]);
  const params = /\)\((.*)\);/.exec(text)![1]!.split(',').map((s) => normC(s));
  const tp = btf.tracepoint('sched_switch')!;
  expect(params[0]).toBe('void*'); // the probe's __data, not an argument
  expect(tp.params.map((p) => normC(p.cType))).toEqual(params.slice(1));
  expect(tp.params.map((p) => p.name)).toEqual(['', '', '', '']); // BTF keeps no names in typedef'd prototypes
  expect(btf.tracepoint('no_such_event')).toBeUndefined();
});

test('raw BTF file (as /sys/kernel/btf/vmlinux) reads the same as the .BTF section', () => {
  const elf = openElf(obj);
  const raw = path.join(dir, 'raw.btf');
  fs.writeFileSync(raw, elf.readSection('.BTF')!);
  elf.close();
  const fromRaw = readBtf(raw);
  expect(fromRaw.typeCount).toBe(btf.typeCount);
  expect(fromRaw.findFunction('weird')!.declaration).toBe(btf.findFunction('weird')!.declaration);
});

test('split BTF (module over a base) continues ids and strings from the base', () => {
  fs.writeFileSync(path.join(dir, 'm.c'), 'struct file { long f_pos; };\nstruct modthing { struct file *f; int x; };\nint mod_fn(struct modthing *m, long y) { return m->x + y + m->f->f_pos; }\n');
  run('gcc', ['-g', '-c', 'm.c', '-o', 'm.o'], dir);
  run('pahole', ['-J', '--btf_base', 't.o', 'm.o'], dir);
  const mod = readBtf(path.join(dir, 'm.o'), btf);
  expect(mod.typeCount).toBeGreaterThan(btf.typeCount);
  // pfunct cannot read split BTF: the oracle is the C source (gcc names `long` "long int").
  expect(mod.findFunction('mod_fn')!.declaration).toBe('int mod_fn(struct modthing *m, long int y)');
  expect(mod.member('modthing', 'x')).toMatchObject({ offset: 8, size: 4 });
  // A type from the base is reachable through the module's BTF.
  expect(mod.member('file', 'f_pos')).toMatchObject({ offset: 0, size: 8 });
});
