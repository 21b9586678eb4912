// Hints for a kernel function the target lacks suggest only names it has:
// classic renames first, then names extending what was typed, then a typo's
// nearest name; a search hint only when the search finds something. The
// symbol list is Debian 6.1's own (System.map in the kernel store), so the
// hints are the ones a user of that kernel gets.
import fs from 'node:fs';
import { kernelFunctionHint } from '../../src/diagnostics/kernelFunctionHint.js';
import { debianKernel } from '../helpers/guest.js';

let symbols: string[];
beforeAll(async () => {
  const kernel = await debianKernel();
  symbols = [...new Set(fs.readFileSync(kernel.systemMap, 'utf8').split('\n').flatMap((l) => {
    const f = l.split(' ');
    return f.length >= 3 && /^[tTwW]$/.test(f[1]) ? [f[2]] : [];
  }))];
});

const hint = (name: string, listKind = 'kprobe') => kernelFunctionHint({ name, symbols, spell: (n) => `${listKind}:${n}`, listKind });

test.each([
  ['do_fork', 'did you mean kprobe:kernel_clone? (do_fork became kernel_clone in 5.10)'],
  ['_do_fork', 'did you mean kprobe:kernel_clone? (do_fork became kernel_clone in 5.10)'],
  ['sys_write', 'did you mean kprobe:__x64_sys_write or kprobe:ksys_write? (x86_64 syscall entry points are __x64_sys_NAME since 4.17; many bodies are ksys_NAME or do_sys_NAME)'],
  ['SyS_write', 'did you mean kprobe:__x64_sys_write or kprobe:ksys_write? (x86_64 syscall entry points are __x64_sys_NAME since 4.17; many bodies are ksys_NAME or do_sys_NAME)'],
  ['sys_openat', 'did you mean kprobe:__x64_sys_openat? (x86_64 syscall entry points are __x64_sys_NAME since 4.17; many bodies are ksys_NAME or do_sys_NAME)'],
  ['do_sys_open', 'did you mean kprobe:do_sys_openat2? (do_sys_open became do_sys_openat2 in 5.6)'],
  ['cap_ptrace', 'did you mean kprobe:cap_ptrace_traceme or kprobe:cap_ptrace_access_check?'],
  ['vfs_wirte', 'did you mean kprobe:vfs_write?'],
])('%s: %s', (name, expected) => {
  expect(hint(name)).toBe(expected);
});

test('every name a hint suggests exists on the target', () => {
  const known = new Set(symbols);
  for (const name of ['do_fork', 'sys_write', 'SyS_write', 'cap_ptrace', 'vfs_wirte', 'compat_sys_ioctl', 'do_page_fault']) {
    for (const m of hint(name).matchAll(/kprobe:(\w+)/g)) expect(known.has(m[1])).toBe(true);
  }
});

test('a search hint only where it finds something, on the longest word of the name', () => {
  expect(hint('frobnicate_sendmsg')).toBe("guru list 'kprobe:*sendmsg*' searches the function names");
  expect(hint('qqqqqq_zzzzzz')).toBe("guru list 'kprobe:*' lists every function it can name");
});
