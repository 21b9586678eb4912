// Kernel facts read from the Debian 6.1 headers, checked against the C
// compiler reading the same kind of headers (the oracle), not against
// numbers typed into the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { parseCInteger } from '../../src/expr/cInteger.js';
import { debianHeadersTarget } from '../helpers/debianHeaders.js';

const facts = async () => headersKernelFacts(await debianHeadersTarget());

test('errno names, open flags and mode bits agree with what gcc computes from the uapi headers', async () => {
  const f = await facts();
  const names = ['EPERM', 'ENOENT', 'EACCES', 'ENOMEM', 'EINVAL', 'EAGAIN', 'EWOULDBLOCK', 'ENOTSUPP', 'O_RDONLY', 'O_WRONLY', 'O_CREAT', 'O_DIRECTORY', 'O_TMPFILE', 'S_IFREG', 'S_IFMT', 'S_IRWXU'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-consts-'));
  try {
    const kernelOnly = new Set(['ENOTSUPP']); // not in uapi: compare with include/linux/errno.h's text instead
    const src = `#include <stdio.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <sys/stat.h>\nint main(void){\n${names
      .filter((n) => !kernelOnly.has(n))
      .map((n) => `printf("${n} %lld\\n", (long long)(${n}));`)
      .join('\n')}\nreturn 0;}\n`;
    fs.writeFileSync(path.join(dir, 'c.c'), src);
    await execa('gcc', ['-D_GNU_SOURCE', '-o', path.join(dir, 'c'), path.join(dir, 'c.c')]);
    const { stdout } = await execa(path.join(dir, 'c'));
    for (const line of stdout.split('\n')) {
      const [name, value] = line.split(' ');
      expect([name, f.constant(name)]).toEqual([name, BigInt(value)]);
    }
    const errnoH = fs.readFileSync(path.join(f.headersDir, '..', path.basename(f.headersDir).replace(/-amd64$/, '-common'), 'include/linux/errno.h'), 'utf8');
    expect(f.constant('ENOTSUPP')).toBe(parseCInteger(/#define\s+ENOTSUPP\s+(\d+)/.exec(errnoH)![1]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('limits, rlimits, socket, mmap, clone, capability, ptrace and SCSI constants agree with gcc; enumerators come from BTF', async () => {
  const { testKernel } = await import('../helpers/guest.js');
  const { storedKernelTarget } = await import('../../src/kernelFacts/kernelTarget.js');
  const f = headersKernelFacts(storedKernelTarget(await testKernel('debian:6.1')));
  // Macros (cast and shift expressions among them: INT_MAX is ((int)(~0U >> 1))) and, last, BTF enumerators.
  const names = ['INT_MAX', 'INT_MIN', 'UINT_MAX', 'LONG_MAX', 'LONG_MIN', 'ULONG_MAX', 'SIZE_MAX', 'RLIMIT_STACK', 'RLIMIT_NOFILE', 'RLIM_INFINITY', 'AF_ALG', 'AF_INET6', 'PF_UNIX', 'MSG_PEEK', 'SOL_SOCKET', 'SO_REUSEADDR', 'PROT_EXEC', 'MAP_SHARED', 'MAP_ANONYMOUS', 'CLONE_NEWUSER', 'CAP_SYS_ADMIN', 'PTRACE_ATTACH', 'IPPROTO_TCP', 'SG_IO', 'PERF_TYPE_SOFTWARE', 'PERF_COUNT_SW_CPU_CLOCK'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-consts-'));
  try {
    const includes = ['limits.h', 'stdint.h', 'sys/resource.h', 'sys/socket.h', 'netinet/in.h', 'sys/mman.h', 'sched.h', 'linux/capability.h', 'linux/ptrace.h', 'scsi/sg.h', 'linux/perf_event.h'];
    const src = `${includes.map((h) => `#include <${h}>`).join('\n')}\n#include <stdio.h>\nint main(void){\n${names
      .map((n) => `printf("${n} %lld\\n", (long long)(${n}));`)
      .join('\n')}\nreturn 0;}\n`;
    fs.writeFileSync(path.join(dir, 'c.c'), src);
    await execa('gcc', ['-D_GNU_SOURCE', '-o', path.join(dir, 'c'), path.join(dir, 'c.c')]);
    const { stdout } = await execa(path.join(dir, 'c'));
    // gcc prints each through (long long): compare as the same 64-bit pattern.
    for (const line of stdout.split('\n')) {
      const [name, value] = line.split(' ');
      const ours = f.constant(name!);
      expect([name, ours === undefined ? undefined : BigInt.asIntN(64, ours)]).toEqual([name, BigInt(value!)]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('which constants are of a 64-bit unsigned C type agrees with gcc (comparisons with them are unsigned)', async () => {
  const { testKernel } = await import('../helpers/guest.js');
  const { storedKernelTarget } = await import('../../src/kernelFacts/kernelTarget.js');
  const f = headersKernelFacts(storedKernelTarget(await testKernel('debian:6.1')));
  const names = ['INADDR_NONE', 'INADDR_ANY', 'CLONE_INTO_CGROUP', 'CLONE_NEWUSER', 'RLIM_INFINITY', 'ULONG_MAX', 'SIZE_MAX', 'LONG_MAX', 'INT_MAX', 'UINT_MAX', 'O_CREAT', 'EPERM'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-consts-'));
  try {
    const includes = ['limits.h', 'stdint.h', 'sys/resource.h', 'netinet/in.h', 'linux/sched.h', 'fcntl.h', 'errno.h'];
    const src = `${includes.map((h) => `#include <${h}>`).join('\n')}\n#include <stdio.h>\nint main(void){\n${names
      .map((n) => `printf("${n} %d\\n", sizeof(${n}) == 8 && (__typeof__(${n}))-1 > 0);`)
      .join('\n')}\nreturn 0;}\n`;
    fs.writeFileSync(path.join(dir, 'c.c'), src);
    await execa('gcc', ['-D_GNU_SOURCE', '-o', path.join(dir, 'c'), path.join(dir, 'c.c')]);
    const { stdout } = await execa(path.join(dir, 'c'));
    const lines = stdout.split('\n');
    expect(lines.filter((l) => l.endsWith(' 1')).length).toBeGreaterThan(2); // the check can tell them apart
    for (const line of lines) {
      const [name, unsigned] = line.split(' ');
      expect([name, f.constantUnsigned?.(name!)]).toEqual([name, unsigned === '1']);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('syscall arguments come from include/linux/syscalls.h and the x86_64 table', async () => {
  const f = await facts();
  expect(f.syscall('write')).toEqual({
    name: 'write',
    symbol: '__x64_sys_write',
    args: [
      { name: 'fd', ctype: 'unsigned int' },
      { name: 'buf', ctype: 'const char __user *' },
      { name: 'count', ctype: 'size_t' },
    ],
  });
  expect(f.syscall('openat')?.args.map((a) => a.name)).toEqual(['dfd', 'filename', 'flags', 'mode']);
  // Every syscall in the table resolves, and every argument has a name.
  const names = f.syscallNames();
  expect(names.length).toBeGreaterThan(300);
  for (const n of names) for (const a of f.syscall(n)!.args) expect(a.name).toMatch(/^[a-z_][a-z0-9_]*$/);
});

test("7.x spells open flags as shifts ((1 << 11)); they read as the same ABI values as 6.1's", async () => {
  const { testKernel } = await import('../helpers/guest.js');
  const { storedKernelTarget } = await import('../../src/kernelFacts/kernelTarget.js');
  const new73 = headersKernelFacts(storedKernelTarget(await testKernel('debian:7.3')));
  const old = await facts();
  const flags = ['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK', 'O_DIRECTORY', 'O_CLOEXEC', 'O_TMPFILE'];
  // The x86_64 ABI: the values cannot differ between kernels, so 6.1's (checked against gcc above) are the oracle.
  expect(flags.map((n) => [n, new73.constant(n)])).toEqual(flags.map((n) => [n, old.constant(n)]));
  expect(flags.every((n) => old.constant(n) !== undefined)).toBe(true);
});
