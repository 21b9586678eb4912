// One command on several kernels (guru vm --kernel A,B,C, guru apply --vm
// A,B,C): the flag's parsing, the table, the combined exit code, and the
// real thing on the stored kernels.
import { UserError } from '../../src/errors.js';
import { parseKernelList } from '../../src/multiKernel/kernelList.js';
import { combinedExitCode, formatKernelRunTable } from '../../src/multiKernel/kernelRunTable.js';
import { testKernel, testKernels } from '../helpers/guest.js';
import { ensureCompiledCli, guru } from '../vm/vmTestSupport.js';

test('parseKernelList: names in order; empty names, bad names and repeats are refused', () => {
  expect(parseKernelList('debian:6.1,debian:7.3, 7.3.4+deb13-amd64', '--vm')).toEqual(['debian:6.1', 'debian:7.3', '7.3.4+deb13-amd64']);
  expect(() => parseKernelList('debian:6.1,', '--vm')).toThrow(/an empty kernel name/);
  expect(() => parseKernelList('debian:6.1,fedora:40', '--vm')).toThrow(UserError);
  expect(() => parseKernelList('debian:6.1,debian:6.1', '--kernel')).toThrow(/names debian:6.1 twice/);
});

test('the table: one row per kernel, output lines below each other, stderr and errors after it', () => {
  const results = [
    { kernel: 'debian:6.1', release: '6.1.0-57-amd64', exitCode: 0, stdout: 'a\nb\n', stderr: '' },
    { kernel: 'debian:7.3', release: '7.3.4+deb13-amd64', exitCode: 3, stdout: '', stderr: 'oops\n' },
    { kernel: 'debian:9.9', stdout: '', stderr: '', error: 'Debian ships no kernel of series 9.9\nhint: guru kernel list --available' },
  ];
  expect(formatKernelRunTable(results)).toBe(
    [
      'KERNEL      RELEASE            EXIT   OUTPUT',
      'debian:6.1  6.1.0-57-amd64     0      a',
      '                                      b',
      'debian:7.3  7.3.4+deb13-amd64  3      (no output)',
      'debian:9.9  -                  error  Debian ships no kernel of series 9.9',
      '',
      'debian:7.3 (7.3.4+deb13-amd64), standard error:',
      '  oops',
      '',
      'debian:9.9 (not run), standard error:',
      '  Debian ships no kernel of series 9.9',
      '  hint: guru kernel list --available',
      '',
    ].join('\n'),
  );
  expect(combinedExitCode(results.slice(0, 1), () => 2)).toBe(0);
  expect(combinedExitCode(results, () => 2)).toBe(3);
  expect(combinedExitCode([results[0], results[2]], () => 1)).toBe(1);
});

describe('on the test kernels', () => {
  // A table needs two kernels at least: with one test kernel, debian:6.12 (or 6.1) joins it.
  const refs = testKernels().length > 1 ? testKernels() : [...testKernels(), testKernels()[0] === 'debian:6.12' ? 'debian:6.1' : 'debian:6.12'];

  test(`guru vm --kernel ${refs.join(',')} -- uname -r prints each kernel's release in its row`, async () => {
    await ensureCompiledCli();
    const kernels = await Promise.all(refs.map((r) => testKernel(r)));
    const r = await guru(['vm', '--kernel', refs.join(','), '--', 'uname', '-r'], { timeoutMs: 600_000 });
    expect(r.exitCode).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^KERNEL\s+RELEASE\s+EXIT\s+OUTPUT$/);
    kernels.forEach((k, i) => expect(rows[i + 1].split(/\s+/)).toEqual([refs[i], k.release, '0', k.release]));
    expect(rows.length).toBe(refs.length + 1); // nothing after the table: no standard error to show
  }, 600_000);

  test('a kernel that cannot run is its row (error), the others still run, and guru exits with its code', async () => {
    await ensureCompiledCli();
    const r = await guru(['vm', '--kernel', `${refs[0]},0.0.1-nonexistent-amd64`, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'], { timeoutMs: 600_000 });
    const rows = r.stdout.split('\n');
    expect(rows[1].split(/\s+/).slice(2)).toEqual(['7', 'out']);
    expect(rows[2]).toMatch(/^0\.0\.1-nonexistent-amd64\s+-\s+error\s+Debian's archive has no linux-image-0\.0\.1-nonexistent-amd64/);
    expect(r.stdout).toContain(`${refs[0]} (${(await testKernel(refs[0])).release}), standard error:\n  err\n`);
    expect(r.exitCode).toBe(7);
  }, 600_000);

  test(`guru apply examples/echo-one-byte.yaml --vm ${refs.join(',')} --as 1000 --run '/bin/echo hello': h on every kernel`, async () => {
    await ensureCompiledCli();
    const r = await guru(['apply', 'examples/echo-one-byte.yaml', '--vm', refs.join(','), '--as', '1000', '--run', '/bin/echo hello'], { timeoutMs: 900_000 });
    expect(r.exitCode).toBe(0);
    const rows = r.stdout.split('\n');
    for (const [i, ref] of refs.entries()) {
      const k = await testKernel(ref);
      // echo's one byte, then the probe's log line (events share stdout).
      expect(rows[i + 1].split(/\s+/)).toEqual([ref, k.release, '0', 'hcount:1,', 'buf:hello']);
      expect(r.stdout).toMatch(new RegExp(`${k.release.replace(/[.+]/g, '\\$&')}\\), standard error:\\n  guru_echo_one_byte: session ended \\(command ended\\)`));
    }
  }, 900_000);
});
