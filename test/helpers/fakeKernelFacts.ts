// A small, fixed KernelFacts for unit tests: no headers, no root, no kernel.
import type { Btf } from '../../src/debuginfo/btf.js';
import type { KernelFacts, SyscallPrototype } from '../../src/kernelFacts/kernelFacts.js';

const SYSCALLS: SyscallPrototype[] = [
  { name: 'write', symbol: '__x64_sys_write', args: [ { name: 'fd', ctype: 'unsigned int' }, { name: 'buf', ctype: 'const char __user *' }, { name: 'count', ctype: 'size_t' } ] },
  { name: 'read', symbol: '__x64_sys_read', args: [ { name: 'fd', ctype: 'unsigned int' }, { name: 'buf', ctype: 'char __user *' }, { name: 'count', ctype: 'size_t' } ] },
  { name: 'openat', symbol: '__x64_sys_openat', args: [ { name: 'dfd', ctype: 'int' }, { name: 'filename', ctype: 'const char __user *' }, { name: 'flags', ctype: 'int' }, { name: 'mode', ctype: 'umode_t' } ] },
  { name: 'chmod', symbol: '__x64_sys_chmod', args: [ { name: 'filename', ctype: 'const char __user *' }, { name: 'mode', ctype: 'umode_t' } ] },
  { name: 'getpid', symbol: '__x64_sys_getpid', args: [] },
];

const CONSTANTS = new Map<string, bigint>([
  ['EPERM', 1n], ['ENOENT', 2n], ['EACCES', 13n], ['ENOMEM', 12n], ['EINVAL', 22n],
  ['O_RDONLY', 0n], ['O_WRONLY', 1n], ['O_CREAT', 0o100n], ['S_IFREG', 0o100000n], ['S_IRWXU', 0o700n],
  ['SIGKILL', 9n], ['SIGTERM', 15n],
]);

/** BTF: kprobe arguments get names and types from it (see test/helpers/btfFixture.ts). */
export function fakeKernelFacts(symbols?: string[], opts: { btf?: Btf } = {}): KernelFacts {
  return {
    release: '6.1.0-test-amd64',
    headersDir: '/nonexistent/headers',
    btf: () => opts.btf,
    btfPath: opts.btf ? '/nonexistent/btf' : undefined,
    syscall: (name) => SYSCALLS.find((s) => s.name === name),
    syscallNames: () => SYSCALLS.map((s) => s.name).sort(),
    functionSymbols: () => (symbols ? new Set(symbols) : undefined),
    constant: (name) => CONSTANTS.get(name),
    constantNames: () => [...CONSTANTS.keys()].sort(),
  };
}
