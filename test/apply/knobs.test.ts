// Knobs on the user-space side: `K=V` checked against a knob's type and
// range (--param, guru set), the kernel's params file read back, and a
// knob change record as the stream and the summary show it.
import { decodeRecords, REC_HEADER_SIZE, REC_KNOB } from '../../src/apply/decodeRecords.js';
import { EventFormatter } from '../../src/apply/formatEvent.js';
import { formatSummary } from '../../src/apply/formatSummary.js';
import { knobCommand, manifestKnobs, parseKnobAssignments, parseKnobsFile } from '../../src/apply/knobs.js';
import { parseModuleStats } from '../../src/apply/moduleStats.js';
import { UserError } from '../../src/errors.js';
import type { Manifest } from '../../src/render/manifest.js';

const manifest: Manifest = {
  manifestVersion: 1,
  module: 'guru_t',
  name: 't',
  specFile: 't.yaml',
  release: 'r',
  probes: [{ id: 0, on: 'syscall:write', canonical: 'syscall:write', kind: 'syscall', symbol: '__x64_sys_write', line: 5 }],
  formats: [],
  vars: [],
  params: [
    { name: 'fix', type: 'bool', initial: '1', min: '0', max: '1' },
    { name: 'limit', type: 'u32', initial: '10', min: '1', max: '100' },
    { name: 'big', type: 'u64', initial: '0', min: '0', max: '18446744073709551615' },
    { name: 'delta', type: 's64', initial: '0', min: '-9223372036854775808', max: '9223372036854775807' },
  ],
};

const knobs = manifestKnobs(manifest);
const refusal = (texts: string[]): string => {
  try {
    parseKnobAssignments(texts, knobs, '--param');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return `${(err as UserError).message} | ${(err as UserError).hint ?? ''}`;
  }
  throw new Error('accepted');
};

test('values of each type, in their ranges, in the notations people write', () => {
  const got = parseKnobAssignments(['fix=0', 'enabled=true', 'limit=0x64', 'big=18446744073709551615', 'delta=-5', 'limit=010'], knobs, '--param');
  expect(got.map(knobCommand)).toEqual(['set fix 0', 'set enabled 1', 'set limit 100', 'set big 18446744073709551615', 'set delta -5', 'set limit 8']);
});

test('a value outside the type or the range, a wrong name or shape is refused, naming the knobs', () => {
  expect(refusal(['fix=2'])).toMatch(/^--param fix=2: fix=2 is out of range: fix is a bool \(0 or 1\) \| $/);
  expect(refusal(['limit=0'])).toContain('limit=0 is out of range: limit is a u32 from 1 to 100');
  expect(refusal(['big=-1'])).toContain('big is a u64 from 0 to 18446744073709551615');
  expect(refusal(['delta=9223372036854775808'])).toContain('delta is an s64 from -9223372036854775808 to 9223372036854775807');
  expect(refusal(['limit=ten'])).toContain('limit takes an integer, not \'ten\'');
  expect(refusal(['fixx=1'])).toMatch(/no knob named fixx \| knobs: enabled \(a bool \(0 or 1\)\), fix \(a bool \(0 or 1\)\), limit \(a u32 from 1 to 100\)/);
  expect(refusal(['fix'])).toContain('--param fix: expected NAME=VALUE');
});

test("the kernel's params file: every knob with its type and range, and a pending re-enable", () => {
  const text = 'enabled 0 bool 0 1\nfix 1 bool 0 1\nbig 18446744073709551615 u64 0 18446744073709551615\nreenable_ms 29500\n';
  const file = parseKnobsFile(text);
  expect(file.knobs.map((k) => [k.name, k.value, k.type, k.min, k.max])).toEqual([
    ['enabled', 0n, 'bool', 0n, 1n],
    ['fix', 1n, 'bool', 0n, 1n],
    ['big', (1n << 64n) - 1n, 'u64', 0n, (1n << 64n) - 1n],
  ]);
  expect(file.reenableMs).toBe(29500);
  expect(parseKnobsFile('enabled 1 bool 0 1\nreenable_ms -1\n').reenableMs).toBeUndefined();
});

/** A GURU_REC_KNOB record as kmod's emit_knob_locked lays it out. */
function knobRecord(id: number, old: bigint, value: bigint, cause: number, ms = 0n): Buffer {
  const b = Buffer.alloc(REC_HEADER_SIZE + 32);
  b.writeUInt16LE(b.length, 0);
  b.writeUInt16LE(REC_KNOB, 2);
  b.writeUInt16LE(id, 4);
  b.writeUInt32LE(321, 8);
  b.writeUInt32LE(321, 12);
  b.writeBigInt64LE(old, REC_HEADER_SIZE);
  b.writeBigInt64LE(value, REC_HEADER_SIZE + 8);
  b.writeUInt32LE(cause, REC_HEADER_SIZE + 16);
  b.writeBigUInt64LE(ms, REC_HEADER_SIZE + 24);
  return b;
}

test('knob changes in the stream: set, disable-for, the re-enable; a u64 reads unsigned', () => {
  const events = decodeRecords(Buffer.concat([knobRecord(1, 1n, 0n, 1), knobRecord(0, 1n, 0n, 2, 30000n), knobRecord(0, 0n, 1n, 3), knobRecord(3, 0n, -1n, 1)]), manifest);
  const f = new EventFormatter(manifest, { lookup: () => undefined });
  expect(events.map((e) => f.text(e))).toEqual([
    'guru: knob fix: 1 -> 0 (guru set, pid 321)\n',
    'guru: knob enabled: 1 -> 0 for 30 s (guru set --disable-for, pid 321)\n',
    'guru: knob enabled: 0 -> 1 (the --disable-for time ran out)\n',
    'guru: knob big: 0 -> 18446744073709551615 (guru set, pid 321)\n',
  ]);
  expect(JSON.parse(f.json(events[1]!))).toMatchObject({ type: 'knob', knob: 'enabled', old: '1', value: '0', cause: 'disable-for', ms: 30000, pid: 321 });
  expect(() => decodeRecords(knobRecord(9, 0n, 1n, 1), manifest)).toThrow('knob 9');
});

test('the summary says the knobs at the end and how many changes the stream showed', () => {
  const stats = parseModuleStats('state disarmed\nemitted 2\ndropped 0\nprobe 0 hits 5 misses 5 writes 0 faults 0 nmissed 0\n');
  const file = parseKnobsFile('enabled 1 bool 0 1\nfix 0 bool 0 1\nreenable_ms -1\n');
  expect(formatSummary(manifest, stats, 2, 1, 'SIGINT', [], { ...file, changes: 2 })).toContain('  knobs: enabled=1 fix=0 (2 changes while armed, in the events above)\n');
  const plain = { ...manifest, params: [] };
  expect(formatSummary(plain, stats, 2, 1, 'SIGINT', [], { knobs: [file.knobs[0]!], changes: 0 })).not.toContain('knobs:');
});
