// `guru list` against Debian's 6.1 kernel in guru's store (added on first
// use; a failure names the fix, nothing is skipped). Oracles: the stored
// System.map for names, pfunct (dwarves) reading the stored image's BTF for
// argument names and types.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import type { StoredKernel } from '../../src/kernelStore/storedKernel.js';
import { run } from '../debuginfo/toolchain.js';

let kernel: StoredKernel;
beforeAll(async () => {
  try {
    kernel = await ensureKernel('debian:6.1');
  } catch (err) {
    throw new Error(`cannot get Debian's 6.1 kernel into guru's store: ${(err as Error).message}\nfix: bash scripts/setup.sh && node bin/guru.js kernel add debian:6.1`);
  }
  if (!kernel.pvhImage) throw new Error(`the stored ${kernel.release} has no uncompressed image (its BTF); fix: node bin/guru.js kernel rm ${kernel.release} && node bin/guru.js kernel add debian:6.1`);
}, 900_000);

function guru(...args: string[]): string {
  if (!fs.existsSync(path.resolve('dist/guru.mjs'))) throw new Error('the CLI is not built; fix: npm run build');
  return execFileSync(process.execPath, [path.resolve('bin/guru.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Text symbols of the stored System.map that a kprobe wildcard takes (no split parts, no padding). */
function systemMapFunctions(re: RegExp): string[] {
  const names = new Set<string>();
  for (const line of fs.readFileSync(kernel.systemMap, 'utf8').split('\n')) {
    const [, type, name] = line.split(' ');
    if (name && /^[tT]$/.test(type!) && re.test(name) && !name.includes('.') && !name.startsWith('__pfx_')) names.add(name);
  }
  return [...names].sort();
}

test("guru list 'kprobe:*ptrace*' lists the kernel's ptrace functions, exactly those of System.map", () => {
  const listed = guru('list', 'kprobe:*ptrace*', '--kernel', 'debian:6.1').trim().split('\n');
  for (const known of ['cap_ptrace_access_check', 'ptrace_attach', '__ptrace_may_access', 'arch_ptrace', 'security_ptrace_access_check']) {
    expect(listed).toContain(`kprobe:${known}`);
  }
  expect(listed).toEqual(systemMapFunctions(/ptrace/).map((n) => `kprobe:${n}`));
  // SystemTap's spelling of the seed's return probe lists the same functions as kretprobes.
  expect(guru('list', 'kernel.function("*ptrace*").return', '--kernel', 'debian:6.1').trim().split('\n')).toEqual(listed.map((p) => p.replace(/^kprobe:/, 'kretprobe:')));
}, 120_000);

/** `ssize_t ksys_write(unsigned int fd, const char  * buf, size_t count);` → [name, C type] pairs, whitespace normalised. */
function pfunctParams(func: string): { returns: string; params: [string, string][] } {
  const line = run('pfunct', ['-F', 'btf', '-f', func, kernel.pvhImage!]).trim();
  const m = /^(.*?)\s*\b(\w+)\((.*)\);$/.exec(line);
  if (!m) throw new Error(`unexpected pfunct output: ${line}`);
  const norm = (t: string): string => t.replace(/\s*\*\s*/g, ' *').replace(/\s+/g, ' ').replace(/\* \*/g, '**').trim();
  const params = m[3]!.split(',').map((p): [string, string] => {
    const pm = /^(.*?)(\w+)$/.exec(p.trim())!;
    return [pm[2]!, norm(pm[1]!)];
  });
  return { returns: norm(m[1]!), params };
}

test('guru list -v kprobe:ksys_write shows fd, buf, count with the types pfunct reads from the same image', () => {
  const oracle = pfunctParams('ksys_write');
  expect(oracle.params.map(([n]) => n)).toEqual(['fd', 'buf', 'count']);
  const text = guru('list', '-v', 'kprobe:ksys_write', '--kernel', 'debian:6.1');
  const rows = text.trim().split('\n').slice(1).map((l) => /^\s+\$(\w+)\s+(.+?)\s+alias \$arg\d/.exec(l)!);
  expect(rows.map((r) => [r[1], r[2]!.replace(/\s*\*\s*/g, ' *').trim()])).toEqual(oracle.params);

  const json = JSON.parse(guru('list', '-v', '--json', 'kretprobe:cap_ptrace_access_check', '--kernel', 'debian:6.1')) as { entries: { targets: { name: string; ctype: string }[] }[] };
  const cap = pfunctParams('cap_ptrace_access_check');
  expect(json.entries[0]!.targets.map((t) => [t.name, t.ctype.replace(/\s*\*\s*/g, ' *').trim()])).toEqual([...cap.params.map(([n, t]) => [`$${n}`, t]), ['$return', cap.returns]]);
}, 120_000);

test('guru list -v syscall:chmod shows its arguments and C types from the headers', () => {
  expect(guru('list', '-v', 'syscall.chmod', '--kernel', 'debian:6.1')).toBe(
    [
      'syscall:chmod    long sys_chmod(const char __user *filename, umode_t mode)',
      '    $filename  const char __user *  alias $arg1, writable',
      '    $mode      umode_t              alias $arg2, writable',
      '',
    ].join('\n'),
  );
  const all = guru('list', 'syscall:*', '--kernel', 'debian:6.1').trim().split('\n');
  expect(all.length).toBeGreaterThan(300);
  expect(all).toContain('syscall:chmod');
}, 120_000);

test('a name two static functions share is listed, with positional arguments and the reason', () => {
  // Two find_patch text symbols in System.map (microcode intel and amd), two prototypes in BTF.
  expect(fs.readFileSync(kernel.systemMap, 'utf8').match(/ t find_patch$/gm)?.length).toBe(2);
  const text = guru('list', '-v', 'kprobe:find_patch', '--kernel', 'debian:6.1');
  expect(text).toMatch(/^kprobe:find_patch\n\s+# arguments are positional: the kernel has 2 different functions called find_patch/);
}, 120_000);
