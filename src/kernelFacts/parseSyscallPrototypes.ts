// Syscall argument names and C types come from the target kernel's own
// include/linux/syscalls.h, and which syscalls exist on x86_64 from the
// generated syscalls_64.h table. Both are plain C; a small parser is enough
// because the declarations follow one shape:
//   asmlinkage long sys_write(unsigned int fd, const char __user *buf, size_t count);
import type { SyscallArg } from './kernelFacts.js';

/** Map from syscall name (without `sys_`) to its arguments. */
export function parseSyscallPrototypes(syscallsH: string): Map<string, SyscallArg[]> {
  const text = syscallsH.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\\\n/g, ' ');
  const out = new Map<string, SyscallArg[]>();
  const decl = /asmlinkage\s+long\s+sys_([a-z0-9_]+)\s*\(([^)]*)\)\s*;/g;
  for (const m of text.matchAll(decl)) {
    const name = m[1];
    const params = m[2].replace(/\s+/g, ' ').trim();
    if (out.has(name)) continue; // first declaration wins (later ones are compat variants)
    out.set(name, params === 'void' || params === '' ? [] : params.split(',').map(parseParam));
  }
  return out;
}

function parseParam(raw: string, index: number): SyscallArg {
  const p = raw.trim();
  // Split the trailing identifier from the type: `const char __user *buf`.
  const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)\s*(\[\s*\])?$/.exec(p);
  if (!m || /^(unsigned|signed|int|long|char|short|const|struct|void)$/.test(m[2]) || m[1].trim() === '') {
    // Unnamed parameter (rare): give it a positional name.
    return { name: `arg${index + 1}`, ctype: p };
  }
  const ctype = (m[1] + (m[3] ? '*' : '')).trim().replace(/\s*\*\s*$/, ' *').replace(/\s+\*/g, ' *');
  return { name: m[2], ctype: ctype.replace(/\*\s+\*/g, '**') };
}

/** Names of the syscalls in arch/x86/include/generated/asm/syscalls_64.h. */
export function parseSyscallTable(syscalls64H: string): Set<string> {
  const out = new Set<string>();
  for (const m of syscalls64H.matchAll(/__SYSCALL\(\s*\d+\s*,\s*sys_([a-z0-9_]+)\s*\)/g)) out.add(m[1]);
  return out;
}
