// The summary of a wildcard probe: how many functions matched, how many are
// probed, and by name which are not and why: left out at check time (the
// spec's expressions do not compile there), or refused by the kernel at
// load time (the module's wildcards file, parsed here).
import { formatSummary } from '../../src/apply/formatSummary.js';
import { parseModuleStats, parseWildcards } from '../../src/apply/moduleStats.js';
import type { Manifest } from '../../src/render/manifest.js';

test('matched, probed, and each match that is not, with its reason', () => {
  const manifest: Manifest = {
    manifestVersion: 1,
    module: 'guru_w',
    name: 'w',
    specFile: 'w.yaml',
    release: '6.1.0-test-amd64',
    probes: [
      {
        id: 0,
        on: 'kretprobe:*ptrace*',
        canonical: 'kretprobe:*ptrace*',
        kind: 'kretprobe',
        symbol: '*ptrace*',
        line: 4,
        matched: ['a_ptrace', 'b_ptrace', 'c_ptrace', 'd_ptrace'],
        leftOut: [{ symbol: 'd_ptrace', why: '$return cannot be used at kretprobe:d_ptrace: the function returns void' }],
      },
    ],
    formats: [],
    vars: [],
    params: [],
  };
  const stats = parseModuleStats('state disarmed\nemitted 0\ndropped 0\nprobe 0 hits 3 misses 0 writes 0 faults 0 nmissed 0\n');
  stats.wildcards = parseWildcards(['probe 0 match 0 error 0', 'probe 0 match 1 error -22', 'probe 0 match 2 error 0'].map((l) => l.padEnd(47) + '\n').join(''));
  expect(stats.wildcards).toEqual([
    { probe: 0, match: 0, error: 0 },
    { probe: 0, match: 1, error: -22 },
    { probe: 0, match: 2, error: 0 },
  ]);
  const text = formatSummary(manifest, stats, 0, 1, 'command ended');
  expect(text.split('\n')).toContain(
    '  probe 0 kretprobe:*ptrace*: 4 matched, 2 probed; not probed: d_ptrace ($return cannot be used at kretprobe:d_ptrace: the function returns void), b_ptrace (EINVAL: the kernel refuses kprobes there (its blacklist, notrace or __kprobes code))',
  );
});

test("matches in another probe's kernel probe count as that one is: probed with a named probe's, else as its owner's line says", () => {
  const probe = (id: number, on: string, sharedMatches: NonNullable<Manifest['probes'][number]['sharedMatches']>) => ({
    id, on, canonical: on, kind: 'kprobe' as const, symbol: on.slice(7), line: 4 + id, matched: ['ksys_read', 'ksys_write'], sharedMatches,
  });
  const manifest: Manifest = {
    manifestVersion: 1, module: 'guru_w', name: 'w', specFile: 'w.yaml', release: '6.1.0-test-amd64',
    probes: [probe(0, 'kprobe:ksys_*', [{ match: 1 }]), probe(1, 'kprobe:ksys_*', [{ match: 0, owner: { probe: 0, match: 0 } }, { match: 1 }])],
    formats: [], vars: [], params: [],
  };
  const stats = parseModuleStats('state disarmed\nemitted 0\ndropped 0\nprobe 0 hits 3 misses 0 writes 0 faults 0 nmissed 0\nprobe 1 hits 3 misses 0 writes 0 faults 0 nmissed 0\n');
  stats.wildcards = parseWildcards('probe 0 match 0 error -22\n');
  const lines = formatSummary(manifest, stats, 0, 1, 'command ended').split('\n');
  expect(lines).toContain('  probe 0 kprobe:ksys_*: 2 matched, 1 probed; not probed: ksys_read (EINVAL: the kernel refuses kprobes there (its blacklist, notrace or __kprobes code))');
  expect(lines).toContain('  probe 1 kprobe:ksys_*: 2 matched, 1 probed; not probed: ksys_read (EINVAL: the kernel refuses kprobes there (its blacklist, notrace or __kprobes code))');
});

test("a module wildcard's match in a module that was not loaded when the patch was is said so, not that the kernel has no such function", () => {
  const manifest: Manifest = {
    manifestVersion: 1, module: 'guru_w', name: 'w', specFile: 'w.yaml', release: '6.1.0-test-amd64',
    probes: [
      { id: 0, on: 'kprobe:*:alg_bind', canonical: 'kprobe:*:alg_bind', kind: 'kprobe', symbol: '*:alg_bind', line: 4, matched: ['af_alg:alg_bind', 'other:alg_bind'] },
      { id: 1, on: 'kprobe:*ptrace*', canonical: 'kprobe:*ptrace*', kind: 'kprobe', symbol: '*ptrace*', line: 5, matched: ['a_ptrace'] },
    ],
    formats: [], vars: [], params: [],
  };
  const stats = parseModuleStats('state disarmed\nemitted 0\ndropped 0\nprobe 0 hits 0 misses 0 writes 0 faults 0 nmissed 0\nprobe 1 hits 0 misses 0 writes 0 faults 0 nmissed 0\n');
  stats.wildcards = parseWildcards(['probe 0 match 0 error -2', 'probe 0 match 1 error -2', 'probe 1 match 0 error -2'].map((l) => l.padEnd(47) + '\n').join(''));
  const lines = formatSummary(manifest, stats, 0, 1, 'command ended', [], undefined, new Set(['af_alg'])).split('\n');
  // other was loaded (the kernel refused for another reason), a_ptrace is vmlinux's.
  expect(lines).toContain('  probe 0 kprobe:*:alg_bind: 2 matched, 0 probed; not probed: af_alg:alg_bind (the module af_alg was not loaded when the patch was), other:alg_bind (ENOENT: the kernel has no such function)');
  expect(lines).toContain('  probe 1 kprobe:*ptrace*: 1 matched, 0 probed; not probed: a_ptrace (ENOENT: the kernel has no such function)');
});
