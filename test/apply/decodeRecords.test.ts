// The user-space half of the event channel: records laid out as
// kmod/guru_runtime.h writes them decode and format as the spec says.
import { decodeRecords, eventString, REC_BACKTRACE, REC_FAULT, REC_HEADER_SIZE, REC_LOG, REC_SIGNAL, REC_STOP } from '../../src/apply/decodeRecords.js';
import { EventFormatter } from '../../src/apply/formatEvent.js';
import type { SymbolLookup } from '../../src/apply/kernelSymbols.js';
import { formatSummary } from '../../src/apply/formatSummary.js';
import { parseModuleStats } from '../../src/apply/moduleStats.js';
import type { Manifest } from '../../src/render/manifest.js';

const manifest: Manifest = {
  manifestVersion: 1,
  module: 'guru_t',
  name: 't',
  specFile: 't.yaml',
  release: 'r',
  probes: [{ id: 0, on: 'syscall:write', canonical: 'syscall:write', kind: 'syscall', symbol: '__x64_sys_write', line: 5 }],
  formats: [{ id: 0, probe: 0, fmt: 'count:%d, buf:%s hex %x %5u|%-4d|%04d %%', args: ['int', 'string', 'int', 'int', 'int', 'int'], line: 7 }],
  vars: [],
  params: [],
};

/** A record as the kernel lays it out: header, payload, padding to 8. */
function record(type: number, id: number, payload: Buffer): Buffer {
  const size = Math.ceil((REC_HEADER_SIZE + payload.length) / 8) * 8;
  const b = Buffer.alloc(size);
  b.writeUInt16LE(size, 0);
  b.writeUInt16LE(type, 2);
  b.writeUInt16LE(id, 4);
  b.writeUInt16LE(1, 6);
  b.writeUInt32LE(100, 8);
  b.writeUInt32LE(101, 12);
  b.writeBigUInt64LE(123456789n, 16);
  payload.copy(b, REC_HEADER_SIZE);
  return b;
}

const int = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(v);
  return b;
};
const str = (s: string) => {
  const b = Buffer.alloc(2 + s.length);
  b.writeUInt16LE(s.length);
  b.write(s, 2, 'latin1');
  return b;
};

/** Two functions of the kernel and one of a module, as kallsyms would name them. */
const symbols: SymbolLookup = {
  lookup(a) {
    if (a >= 0xffffffff81000000n && a < 0xffffffff81000040n) return { name: 'vfs_write', offset: a - 0xffffffff81000000n, size: 0x40n };
    if (a >= 0xffffffff81000040n && a < 0xffffffff81000100n) return { name: 'ksys_write', offset: a - 0xffffffff81000040n, size: 0xc0n };
    if (a >= 0xffffffffc0001000n && a < 0xffffffffc0001100n) return { name: 'dccp_v4_connect', offset: a - 0xffffffffc0001000n, module: 'dccp' };
    return undefined;
  },
};

const stack = (...addrs: bigint[]) => {
  const b = Buffer.alloc(2 + 8 * addrs.length);
  b.writeUInt16LE(addrs.length);
  addrs.forEach((a, i) => b.writeBigUInt64LE(a, 2 + 8 * i));
  return b;
};

test('log, fault, stop and backtrace records decode and format', () => {
  const fault = Buffer.alloc(16);
  fault.writeUInt32LE(1, 0);
  fault.writeUInt32LE(9, 4);
  fault.writeBigUInt64LE(0xdeadn, 8);
  const buf = Buffer.concat([
    record(REC_LOG, 0, Buffer.concat([int(5n), str('hello\n'), int(255n), int(-1n), int(7n), int(-3n)])),
    record(REC_FAULT, 0, fault),
    record(REC_BACKTRACE, 0, stack(0xffffffff81000001n, 0xffffffff81000043n, 0xffffffffc0001010n, 0xffffffff90000000n)),
    record(REC_STOP, 0, Buffer.alloc(0)),
  ]);
  const events = decodeRecords(buf, manifest);
  expect(events.map((e) => e.type)).toEqual(['log', 'fault', 'backtrace', 'stop']);
  const f = new EventFormatter(manifest, symbols);
  expect(f.text(events[0])).toBe('count:5, buf:hello\n hex ff 18446744073709551615|7   |-003 %\n');
  expect(f.text(events[1])).toBe('guru: fault in syscall:write (t.yaml:9): user memory not readable at 0xdead [pid 100]\n');
  // Return addresses from the kernel, named in user space as %pS would.
  expect(f.text(events[2])).toBe('backtrace at syscall:write [pid 100 tid 101]:\n vfs_write+0x1/0x40\n ksys_write+0x3/0xc0\n dccp_v4_connect+0x10 [dccp]\n 0xffffffff90000000\n');
  expect(JSON.parse(f.json(events[0]))).toMatchObject({ type: 'log', on: 'syscall:write', pid: 100, tid: 101, values: ['5', 'hello\n', '255', '-1', '7', '-3'] });
});

test('a truncated record is a protocol error, not silently skipped', () => {
  const r = record(REC_LOG, 0, Buffer.concat([int(5n), str('hello\n'), int(255n), int(-1n), int(7n), int(-3n)]));
  expect(() => decodeRecords(r.subarray(0, r.length - 8), manifest)).toThrow(/bad event record size/);
  expect(() => decodeRecords(r.subarray(0, 16), manifest)).toThrow(/truncated event record header/);
});

test('stats parse and the summary checks emitted = delivered + dropped', () => {
  const stats = parseModuleStats('state disarmed\nemitted 10\ndropped 3\nnested 0\ntvar_overflow 0\nwildcard_skipped 0\nprobe 0 hits 12 misses 2 writes 4 faults 1 nmissed 0\n');
  expect(stats.probes[0]).toEqual({ hits: 12, misses: 2, writes: 4, faults: 1, nmissed: 0 });
  expect(formatSummary(manifest, stats, 7, 1.25, 'SIGINT')).toContain('events: 10 emitted = 7 delivered + 3 dropped\n');
  expect(formatSummary(manifest, stats, 6, 1.25, 'SIGINT')).toContain('does not balance');
});

test('strings are UTF-8 when their bytes are, otherwise ASCII with every other byte as \\xNN', () => {
  expect(eventString(Buffer.from('h\u00e9llo', 'utf8'))).toBe('h\u00e9llo');
  expect(eventString(Buffer.from([0x61, 0xff, 0x22, 0x5c, 0xc3]))).toBe('a\\xff"\\\\xc3');
  expect(eventString(Buffer.alloc(0))).toBe('');
});

test('raise() records decode, format with the signal\'s name and outcome, and the summary counts them', () => {
  const payload = (sig: number, result: number) => {
    const b = Buffer.alloc(8);
    b.writeInt32LE(sig, 0);
    b.writeInt32LE(result, 4);
    return b;
  };
  const events = decodeRecords(Buffer.concat([record(REC_SIGNAL, 0, payload(9, 0)), record(REC_SIGNAL, 0, payload(15, 1)), record(REC_SIGNAL, 0, payload(34, -1))]), manifest);
  const f = new EventFormatter(manifest);
  expect(events.map((e) => f.text(e)).join('')).toBe(
    'guru: raise(SIGKILL) sent to pid 100 [syscall:write]\n' +
      'guru: raise(SIGTERM) sent to pid 100 (from an irq_work: the probe ran in NMI context) [syscall:write]\n' +
      'guru: raise(SIGRTMIN+2) for pid 100 not sent: EPERM: a kernel thread, an exiting task or init [syscall:write]\n',
  );
  expect(JSON.parse(f.json(events[2]!))).toMatchObject({ type: 'signal', signal: 34, sent: false });
  const stats = parseModuleStats('state disarmed\nemitted 3\ndropped 0\nnested 0\ntvar_overflow 0\nwildcard_skipped 0\nprobe 0 hits 3 misses 0 writes 0 faults 0 nmissed 0\n');
  const signals = events.filter((e) => e.type === 'signal');
  expect(formatSummary(manifest, stats, 3, 1, 'SIGINT', signals)).toContain(
    '  signals: 3 raised, 2 sent\n    raise(SIGKILL) sent to pid 100 (probe 0)\n',
  );
});
