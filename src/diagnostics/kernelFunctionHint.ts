// The hint for a kernel function name the target does not have. Only names
// the target really has are suggested, best first:
//   1. the classic renames articles still use (do_fork is kernel_clone since
//      5.10, sys_write and SyS_write are __x64_sys_write since 4.17, whose
//      body is ksys_write, ...);
//   2. names that extend what was typed (cap_ptrace → cap_ptrace_access_check,
//      cap_ptrace_traceme), which a shortened name usually means;
//   3. the nearest name by edit distance, for a typo.
// When none of these exist, a `guru list` search is suggested only if it
// finds something (on the longest word of the name).
import { nearestName } from './nearestName.js';

export interface KernelFunctionHintInput {
  /** The name as the spec wrote it. */
  name: string;
  /** Every function the target can probe. */
  symbols: Iterable<string>;
  /** How a suggestion is spelled (kprobe:NAME, statement:NAME@FILE:LINE, NAME). */
  spell?: (name: string) => string;
  /** The guru list kind for a search hint (kprobe, kretprobe); omitted: no search hint. */
  listKind?: string;
}

/** Renames of kernel functions that old articles and SystemTap scripts still use. */
const RENAMES: readonly { from: RegExp; to: (m: RegExpExecArray) => string[]; why: string }[] = [
  { from: /^_?do_fork$/, to: () => ['kernel_clone'], why: 'do_fork became kernel_clone in 5.10' },
  { from: /^(?:sys|SyS)_(\w+)$/, to: (m) => [`__x64_sys_${m[1]}`, `ksys_${m[1]}`, `do_sys_${m[1]}`], why: 'x86_64 syscall entry points are __x64_sys_NAME since 4.17; many bodies are ksys_NAME or do_sys_NAME' },
  { from: /^(?:compat_sys|C_SYSC)_(\w+)$/, to: (m) => [`__ia32_compat_sys_${m[1]}`, `__x64_compat_sys_${m[1]}`], why: 'compat syscall entry points are __ia32_compat_sys_NAME since 4.17' },
  { from: /^do_sys_open$/, to: () => ['do_sys_openat2'], why: 'do_sys_open became do_sys_openat2 in 5.6' },
  { from: /^_?_?do_page_fault$/, to: () => ['exc_page_fault', 'handle_mm_fault'], why: 'x86 page faults enter through exc_page_fault since 5.8' },
  { from: /^vfs_readdir$/, to: () => ['iterate_dir'], why: 'vfs_readdir became iterate_dir in 3.11' },
];

/** What a hint suggests for NAME, best first, and why (for a rename); empty when nothing is close. */
export interface KernelFunctionSuggestions {
  names: string[];
  /** Why these names: a rename's story. */
  why?: string;
  /** How many names extend NAME, when they were the suggestion (only the first 3 are in names). */
  extensions?: number;
}

export function kernelFunctionSuggestions(name: string, symbolList: Iterable<string>): KernelFunctionSuggestions {
  const known = symbolList instanceof Set ? (symbolList as Set<string>) : new Set(symbolList);
  const symbols = [...known];
  for (const r of RENAMES) {
    const m = r.from.exec(name);
    if (!m) continue;
    const present = r.to(m).filter((n) => known.has(n));
    if (present.length) return { names: present, why: r.why };
  }
  const extensions = name.length >= 3 ? symbols.filter((s) => s.startsWith(name) && s !== name).sort((a, b) => a.length - b.length || a.localeCompare(b)) : [];
  if (extensions.length) return { names: extensions.slice(0, 3), extensions: extensions.length };
  const near = nearestName(name, symbols);
  return { names: near ? [near] : [] };
}

export function kernelFunctionHint(input: KernelFunctionHintInput): string {
  const spell = input.spell ?? ((n: string) => n);
  const symbols = [...input.symbols];
  const found = kernelFunctionSuggestions(input.name, symbols);
  if (found.names.length) {
    const more = found.extensions && found.extensions > found.names.length && input.listKind ? `; guru list '${input.listKind}:${input.name}*' shows all ${found.extensions}` : '';
    return `did you mean ${orList(found.names.map(spell))}?${found.why ? ` (${found.why})` : ''}${more}`;
  }
  if (input.listKind) {
    // A search on the longest word of the name that some function holds.
    const word = input.name.split('_').filter((w) => w.length >= 4).sort((a, b) => b.length - a.length).find((w) => symbols.some((s) => s.includes(w)));
    if (word) return `guru list '${input.listKind}:*${word}*' searches the function names`;
    return `guru list '${input.listKind}:*' lists every function it can name`;
  }
  return 'no function of a similar name exists on this kernel';
}

export function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
