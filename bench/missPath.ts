// The guard-miss path of a built guru module, from its disassembly
// (objdump -d): each kprobe pre-handler the module registers is where a
// probe hit starts, and with the guard false nothing but that function
// runs (calls out of it are listed: the hit path's body is one). For each:
// lock-prefixed instructions (atomics, which cost far more than their one
// instruction), and every store to memory, classed as per-CPU (%gs-based),
// stack (%rsp/%rbp-based) or other (possibly a cache line other CPUs use).
import { execFileSync } from 'node:child_process';

export interface HandlerReport {
  name: string;
  instructions: number;
  locked: string[];
  stores: { perCpu: string[]; stack: string[]; other: string[] };
  calls: string[];
}

/** Instructions whose last (AT&T: destination) operand is memory, and that write it. */
const READ_ONLY_MNEMONICS = /^(cmp|test|bt|nop|lea|prefetch|push|call|jmp|j[a-z]+|ret)/;

export function disassembleHandlers(koPath: string, handler: RegExp): HandlerReport[] {
  // -r: a .ko's calls are relocations; the symbol each names follows its instruction.
  const text = execFileSync('objdump', ['-dr', '--no-show-raw-insn', '-M', 'att', koPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const reports: HandlerReport[] = [];
  let current: HandlerReport | undefined;
  let lastJump: 'call' | 'jmp' | undefined;
  for (const line of text.split('\n')) {
    const reloc = /^\s+[0-9a-f]+: R_X86_64_\w+\s+(\S+?)(?:[-+]0x[0-9a-f]+)?$/.exec(line);
    if (reloc) {
      // A call's target; a jmp with a relocation is a tail call out of the function.
      if (current && lastJump) current.calls.push(reloc[1]!);
      lastJump = undefined;
      continue;
    }
    const head = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (head) {
      current = handler.test(head[1]!) ? { name: head[1]!, instructions: 0, locked: [], stores: { perCpu: [], stack: [], other: [] }, calls: [] } : undefined;
      if (current) reports.push(current);
      continue;
    }
    const insn = /^\s+[0-9a-f]+:\s+(.*)$/.exec(line);
    if (!current || !insn) continue;
    const asm = insn[1]!.replace(/\s+#.*$/, '').trim();
    if (!asm || asm.startsWith('(bad)')) continue;
    current.instructions++;
    if (/^lock\b/.test(asm)) current.locked.push(asm);
    const [mnemonic = '', ...rest] = asm.replace(/^((lock|rep[a-z]*|cs|ds|data16)\s+)+/, '').split(/\s+/);
    const operands = rest.join(' ');
    lastJump = /^call/.test(mnemonic) ? 'call' : /^jmp/.test(mnemonic) ? 'jmp' : undefined;
    // Calls within the module are resolved by objdump itself (no relocation).
    if (lastJump === 'call' && !/<[^>]*\+0x[0-9a-f]+>$/.test(operands)) current.calls.push(operands.replace(/^[0-9a-f]+\s*<?|>$/g, ''));
    // The destination is the last operand; a memory operand has parentheses or a segment.
    const dest = operands.split(/,(?![^(]*\))/).pop() ?? '';
    if (READ_ONLY_MNEMONICS.test(mnemonic) || !/\(|%gs:/.test(dest)) continue;
    if (dest.includes('%gs:')) current.stores.perCpu.push(asm);
    else if (/\(%(rsp|rbp)\)/.test(dest)) current.stores.stack.push(asm);
    else current.stores.other.push(asm);
  }
  return reports;
}

/**
 * A printable verdict on the guard-miss path of KO: the functions it
 * registers as kprobe pre-handlers (*_pre) and kretprobe entry handlers
 * (*_entry), where a hit starts; with the guard false nothing else runs
 * (their calls go to the hit path: the handler's *_run, guru_save_args).
 */
export function missPathCheck(koPath: string): string {
  const reports = disassembleHandlers(koPath, /_(pre|entry)$/);
  const lines = [`guard-miss path of ${koPath.split('/').pop()} (objdump -d of the built module; the functions it registers as kprobe pre-handlers and kretprobe entry handlers):`];
  if (!reports.length) lines.push('  no *_pre or *_entry handler found: the miss path is not a function of its own in this module');
  for (const r of reports) {
    lines.push(`  ${r.name}: ${r.instructions} instructions`);
    lines.push(`    lock-prefixed: ${r.locked.length ? r.locked.join('; ') : 'none'}`);
    lines.push(`    stores: ${r.stores.perCpu.length} per-CPU (%gs), ${r.stores.stack.length} stack, ${r.stores.other.length} other${r.stores.other.length ? `: ${r.stores.other.join('; ')}` : ''}`);
    lines.push(`    calls: ${r.calls.length ? r.calls.join(', ') : 'none'}`);
  }
  const clean = reports.length > 0 && reports.every((r) => !r.locked.length && !r.stores.other.length);
  lines.push(`  verdict: ${clean ? 'no lock-prefixed instruction, and every store per-CPU or to the stack (no cache line another CPU writes)' : 'NOT clean: see above'}`);
  return lines.join('\n');
}
