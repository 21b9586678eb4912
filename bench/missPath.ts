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
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-M', 'att', koPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const reports: HandlerReport[] = [];
  let current: HandlerReport | undefined;
  for (const line of text.split('\n')) {
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
    const [mnemonic = '', ...rest] = asm.replace(/^(lock|rep[a-z]*)\s+/, '').split(/\s+/);
    const operands = rest.join(' ');
    if (/^call/.test(mnemonic)) current.calls.push(operands.replace(/^[0-9a-f]+\s*/, ''));
    // The destination is the last operand; a memory operand has parentheses or a segment.
    const dest = operands.split(/,(?![^(]*\))/).pop() ?? '';
    if (READ_ONLY_MNEMONICS.test(mnemonic) || !/\(|%gs:/.test(dest)) continue;
    if (dest.includes('%gs:')) current.stores.perCpu.push(asm);
    else if (/\(%(rsp|rbp)\)/.test(dest)) current.stores.stack.push(asm);
    else current.stores.other.push(asm);
  }
  return reports;
}

/** A printable verdict on the guard-miss path of KO's kprobe pre-handlers (functions named *_pre). */
export function missPathCheck(koPath: string): string {
  const reports = disassembleHandlers(koPath, /_pre$/);
  const lines = [`guard-miss path of ${koPath.split('/').pop()} (objdump -d; functions the module registers as kprobe pre-handlers):`];
  if (!reports.length) lines.push('  no *_pre handler found: the miss path is not a function of its own in this module');
  for (const r of reports) {
    lines.push(`  ${r.name}: ${r.instructions} instructions`);
    lines.push(`    lock-prefixed: ${r.locked.length ? r.locked.join('; ') : 'none'}`);
    lines.push(`    stores: ${r.stores.perCpu.length} per-CPU (%gs), ${r.stores.stack.length} stack, ${r.stores.other.length} other${r.stores.other.length ? `: ${r.stores.other.join('; ')}` : ''}`);
    lines.push(`    calls: ${r.calls.length ? r.calls.join(', ') : 'none'}`);
  }
  return lines.join('\n');
}
