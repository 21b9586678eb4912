// `guru list` patterns in guru's, SystemTap's and bpftrace's spellings,
// wildcards where specs refuse them; the function sources of a running
// kernel (tracefs adds, the kprobe blacklist removes); and -v against
// fake facts with BTF built at test time, consistent with what a spec
// resolves at the same point.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/errors.js';
import { kprobeFunctions, SYMBOLS_SOURCE } from '../../src/probeFamilies/kprobeFunctions.js';
import { formatListing } from '../../src/list/formatListing.js';
import { parseListPattern } from '../../src/list/listPattern.js';
import { listProbePoints } from '../../src/list/listProbePoints.js';
import { resolveProbePoint } from '../../src/probeFamilies/registry.js';
import { ANY_LINE } from '../../src/probeFamilies/types.js';
import { resolveStatementProbe } from '../../src/probeFamilies/statement/resolveStatement.js';
import { buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { fakeKsysWriteDebuginfo } from '../helpers/fakeStatementDebuginfo.js';

let fixture: BtfFixture;
beforeAll(() => {
  fixture = buildBtfFixture();
});
afterAll(() => fixture.cleanup());

test.each([
  ['kprobe:*ptrace*', { kind: 'kprobe', func: '*ptrace*', offset: 0 }],
  ['k:vfs_*', { kind: 'kprobe', func: 'vfs_*', offset: 0 }],
  ['kernel.function("*ptrace*")', { kind: 'kprobe', func: '*ptrace*', offset: 0 }],
  ['kernel.function("*ptrace*").return', { kind: 'kretprobe', func: '*ptrace*' }],
  ['kr:ksys_write', { kind: 'kretprobe', func: 'ksys_write' }],
  ['syscall:*', { kind: 'syscall', name: '*', ret: false }],
  ['syscall:ch*:return', { kind: 'syscall', name: 'ch*', ret: true }],
  ['syscall.**', { kind: 'syscall', name: '**', ret: false }],
  ['syscall.chmod', { kind: 'syscall', name: 'chmod', ret: false }],
  ['syscall.*.return', { kind: 'syscall', name: '*', ret: true }],
  ['statement:ksys_write@fs/read_write.c:*', { kind: 'statement', func: 'ksys_write', file: 'fs/read_write.c', line: ANY_LINE }],
  ['kernel.statement("ksys_write@fs/read_write.c:*")', { kind: 'statement', func: 'ksys_write', file: 'fs/read_write.c', line: ANY_LINE }],
  ['statement:ksys_write@fs/read_write.c:615', { kind: 'statement', func: 'ksys_write', file: 'fs/read_write.c', line: 615 }],
])('%s', (pattern, query) => {
  expect(parseListPattern(pattern)).toEqual(query);
});

test('patterns that name no set of probe points are user errors with a hint', () => {
  const fail = (p: string): string => {
    try {
      parseListPattern(p);
    } catch (err) {
      if (err instanceof UserError) return `${err.message} | ${err.hint}`;
      throw err;
    }
    throw new Error(`${p} was accepted`);
  };
  expect(() => list('kprobe:ksys_write+0x5', false)).toThrow(/an offset names one address/);
  // A user statement needs the binary's DWARF; /bin/sh has none.
  expect(() => list('ustatement:/bin/sh:main@sh.c:1', false)).toThrow(/statement probes need the binary's DWARF: no debuginfo for/);
  expect(fail('fentry:vfs_read')).toMatch(/'fentry' probes are not supported by guru \| use kprobe:FUNC/);
  expect(fail('syscall:sys_write')).toMatch(/not its kernel symbol/);
  for (const timer of ['timer:*', 'interval:s:*', 'timer.s(*)']) expect(fail(timer)).toMatch(/^timer probe points are not listed: any whole number of ms or s from 10ms is one \| write it in on:, e.g. timer:100ms/);
});

test('on the running kernel, tracefs adds functions and the kprobe blacklist removes them', () => {
  const filter = path.join(fixture.dir, 'available_filter_functions');
  const blacklist = path.join(fixture.dir, 'blacklist');
  fs.writeFileSync(filter, 'vfs_read\nsome_module_fn [some_module]\ncold_part.cold\n');
  fs.writeFileSync(blacklist, '0xffffffff81000000-0xffffffff81000010\tdo_int3\n0xffffffff81000020-0xffffffff81000030\tvfs_read\n');
  const symbols = new Set(['do_int3', 'vfs_read', 'ksys_write', '__pfx_ksys_write', 'ksys_write.cold']);
  const running = kprobeFunctions({ symbols, running: true, availableFilterFunctions: [filter], kprobeBlacklist: [blacklist] })!;
  expect([...running.names].sort()).toEqual(['ksys_write', 'some_module_fn']);
  expect(running.sources).toEqual([SYMBOLS_SOURCE, filter, `minus ${blacklist}`]);
  // Another kernel's tracefs says nothing about the target.
  const stored = kprobeFunctions({ symbols, running: false, availableFilterFunctions: [filter], kprobeBlacklist: [blacklist] })!;
  expect([...stored.names].sort()).toEqual(['do_int3', 'ksys_write', 'vfs_read']);
  // Unreadable files (not mounted, not root) are skipped.
  expect(kprobeFunctions({ symbols, running: true, availableFilterFunctions: ['/nonexistent'], kprobeBlacklist: ['/nonexistent'] })!.sources).toEqual([SYMBOLS_SOURCE]);
  expect(kprobeFunctions({ symbols: undefined, running: false })).toBeUndefined();
});

const SYMBOLS = ['ksys_write', 'cap_ptrace_access_check', 'nothing_back', 'by_value', 'asm_only', '__pfx_ksys_write', 'ksys_write.cold'];

function list(pattern: string, verbose: boolean, withBtf = true) {
  return listProbePoints(parseListPattern(pattern), fakeKernelFacts(SYMBOLS, { btf: withBtf ? fixture.btf : undefined }), { verbose, running: false });
}

test('names only without -v; split parts and padding are not functions', () => {
  expect(formatListing(list('kprobe:*', false), false)).toBe('kprobe:asm_only\nkprobe:by_value\nkprobe:cap_ptrace_access_check\nkprobe:ksys_write\nkprobe:nothing_back\n');
  expect(formatListing(list('syscall:*', false), false)).toBe('syscall:chmod\nsyscall:getpid\nsyscall:openat\nsyscall:read\nsyscall:write\n');
});

test('-v text: declaration, then one line per target variable', () => {
  expect(formatListing(list('kr:*', true), true)).toMatchSnapshot();
  expect(formatListing(list('kprobe:ksys_write', true, false), true)).toMatchSnapshot();
  expect(formatListing(list('syscall.chmod', true), true)).toMatchSnapshot();
  expect(formatListing(list('syscall:chmod:return', true), true)).toMatchSnapshot();
});

test('-v lists exactly the target variables a spec can use at that point', () => {
  const facts = fakeKernelFacts(SYMBOLS, { btf: fixture.btf });
  for (const pattern of ['kprobe:*', 'kretprobe:*', 'syscall:*', 'syscall:*:return']) {
    for (const entry of list(pattern, true).entries) {
      const resolved = resolveProbePoint(parseListPattern(entry.point), facts, entry.point);
      if ('message' in resolved) throw new Error(resolved.message);
      const usable = entry.targets!.filter((t) => !t.unavailable);
      const names = [...usable.map((t) => t.name), ...usable.flatMap((t) => (t.alias ? [t.alias] : []))].sort();
      expect({ point: entry.point, names }).toEqual({ point: entry.point, names: [...resolved.targets.keys()].sort() });
      for (const t of usable) {
        expect({ point: entry.point, name: t.name, ctype: t.ctype, writable: t.writable }).toEqual({
          point: entry.point,
          name: t.name,
          ctype: resolved.targets.get(t.name)!.ctype,
          writable: resolved.targets.get(t.name)!.writable,
        });
      }
      for (const t of entry.targets!.filter((x) => x.unavailable)) expect(resolved.unavailableTargets.has(t.name)).toBe(true);
    }
  }
});

test('an exact name that does not exist is an error with the nearest name', () => {
  expect(() => list('kprobe:ksys_wirte', false)).toThrow(/unknown kernel function ksys_wirte/);
  expect(() => list('syscall:chmd', false)).toThrow(/unknown syscall chmd/);
});

test('statement lines go through the resolver, one line or every line of a function (`*`)', () => {
  // Without debuginfo: exactly what resolving the line for a spec says.
  const bare = fakeKernelFacts(SYMBOLS, { btf: fixture.btf });
  const refused = resolveProbePoint({ kind: 'statement', func: 'ksys_write', file: 'fs/read_write.c', line: 637 }, bare, 'statement:ksys_write@fs/read_write.c:637');
  if (!('message' in refused)) throw new Error('fake facts without debuginfo resolved a statement probe');
  expect(() => list('statement:ksys_write@fs/read_write.c:637', true)).toThrow(refused.message);

  // With (canned) debuginfo: every line of the body, each as the resolver sees it.
  const facts = { ...fakeKernelFacts(SYMBOLS, { btf: fixture.btf }), debuginfo: fakeKsysWriteDebuginfo };
  const entries = listProbePoints(parseListPattern('statement:ksys_write@fs/read_write.c:*'), facts, { verbose: true, running: false }).entries;
  expect(entries.length).toBeGreaterThan(1);
  let probeable = 0;
  for (const e of entries) {
    const line = Number(/:(\d+)$/.exec(e.point)![1]);
    const r = resolveStatementProbe({ func: 'ksys_write', file: 'fs/read_write.c', line }, facts, e.point);
    if ('message' in r) {
      expect(e.refused).toBe(r.message.replace(`${e.point}: `, ''));
    } else {
      probeable++;
      expect(e.refused).toBeUndefined();
      expect(e.details!.join('\n')).toContain(`${r.placement.statement.sites.length} address`);
      for (const site of r.placement.statement.sites) expect(e.details!.join('\n')).toContain(`${site.symbol}+0x${site.offset.toString(16)}`);
    }
  }
  expect(probeable).toBeGreaterThan(0);
  expect(probeable).toBeLessThan(entries.length); // some lines of the body have no code, and say so
  // Without -v only the probe-able lines are printed, each usable as on:.
  const plain = formatListing(listProbePoints(parseListPattern('statement:ksys_write@fs/read_write.c:*'), facts, { verbose: false, running: false }), false);
  expect(plain.trim().split('\n')).toHaveLength(probeable);
});
