// Where a Go function's probes sit, from its instructions (objdump:
// src/debuginfo/disassemble.ts).
//
// Return probes: the kernel's uretprobe works by replacing the return
// address on the stack with its trampoline's. Go's runtime reads those
// return addresses: when a goroutine's stack must grow, morestack copies it
// and walks every frame by its return pc (and so do the GC's stack scan,
// traceback and panics); a pc in no Go function is fatal ("unexpected return
// pc", "unknown caller pc", exit 2). So a Go return probe is a plain uprobe
// on each `ret` of the function instead: nothing on the stack changes, and
// at the ret the results are still in Go's result registers (rax, rbx, ...),
// where a uretprobe would read them too. That needs every way out of the
// function to be a ret: one with a far return, a jump out of it (a tail
// call), or an indirect jump that is not one of its own switch's jump
// tables is refused, as is one without a ret (it never returns).
//
// Entry probes: a Go function (not marked NOSPLIT) starts by comparing the
// stack pointer with the goroutine's stack guard (`cmp 0x10(%r14),%rsp`, or
// for a large frame `lea -N(%rsp),%r12; cmp 0x10(%r14),%r12`), and when the
// stack is too small jumps to a call of runtime.morestack, which grows the
// stack and restarts the function from its first instruction. An entry
// probe there would fire twice for that one call; after the prologue's
// conditional jump it fires once. The prologue only writes r12 and the
// flags, so the arguments are still in their registers there.
import type { Instruction } from '../../debuginfo/disassemble.js';
import type { GoEntry, GoFunctionCode, GoReturns } from './types.js';

/** Prefixes objdump writes before a mnemonic that do not change what a ret does (repz: AMD's branch predictor idiom; bnd: MPX; rex: a no-op on ret). */
const HARMLESS_PREFIXES = /^(?:(?:rep[a-z]*|bnd|rex(?:\.[WRXB]+)?)\s+)*/;

/** The mnemonic without its prefixes and without objdump's operand-size suffix on branches (jmpq, retq, callq). */
function bare(insn: Instruction): string {
  return insn.mnemonic.replace(HARMLESS_PREFIXES, '').replace(/^notrack\s+/, '').replace(/^(jmp|ret|call)q$/, '$1');
}

/** A direct branch's target (objdump writes `484080` in ELF files, `0x1114` in raw code). */
function directTarget(insn: Instruction): bigint | undefined {
  const op = insn.operands[0];
  return op !== undefined && insn.operands.length === 1 && /^(?:0x)?[0-9a-f]+$/.test(op) ? BigInt(op.startsWith('0x') ? op : `0x${op}`) : undefined;
}

/**
 * Whether the indirect jmp at INSNS[I] is a switch's jump table: Go's
 * `lea TABLE(%rip),%B` shortly before `jmp *(%B,%I,8)`, or the C shape
 * `mov (%B,%I,8),%R; jmp *%R` with B from such a lea. The table is the
 * compiler's, in the binary's read-only data, and holds addresses of the
 * function's own code (guru does not read it).
 */
function isJumpTable(insns: readonly Instruction[], i: number): boolean {
  const op = insns[i]!.operands[0] ?? '';
  let base: string | undefined;
  const table = /^\*(?:0x0)?\((%\w+),%\w+,8\)$/.exec(op);
  if (table) base = table[1];
  const reg = /^\*(%\w+)$/.exec(op);
  if (reg) {
    const load = insns.slice(Math.max(0, i - 3), i).reverse().find((x) => x.operands[x.operands.length - 1] === reg[1]);
    const m = load && bare(load) === 'mov' ? /^(?:0x0)?\((%\w+),%\w+,8\)$/.exec(load.operands[0] ?? '') : null;
    base = m?.[1];
  }
  if (!base) return false;
  return insns.slice(Math.max(0, i - 5), i).some((x) => bare(x) === 'lea' && /\(%rip\)$/.test(x.operands[0] ?? '') && x.operands[1] === base);
}

/**
 * The ret instructions of CODE, where its return probes sit, or why it
 * cannot have any (every way out of the function must be a ret).
 */
export function goReturnSites(code: GoFunctionCode): GoReturns {
  const { name, start, end, instructions } = code;
  const at = (insn: Instruction) => `${insn.mnemonic}${insn.operands.length ? ` ${insn.operands.join(',')}` : ''} at 0x${insn.address.toString(16)} (${name}+0x${(insn.address - start).toString(16)})`;
  const refuse = (why: string): GoReturns => ({ why: `${name} cannot have a Go return probe: ${why}` });
  const returns: bigint[] = [];
  for (let i = 0; i < instructions.length; i++) {
    const insn = instructions[i]!;
    const m = bare(insn);
    if (m === 'ret' || m === 'retl') {
      // `ret $imm16` also pops its arguments' bytes: the results are still in the registers.
      returns.push(insn.address);
      continue;
    }
    if (/^(?:lret[wlq]?|retf|iret[wdq]?|sysret[lq]?|sysexit[lq]?)$/.test(m)) return refuse(`it leaves by a far return (${at(insn)}), which no Go function does`);
    if (m === 'retw') return refuse(`it leaves by a 16-bit return (${at(insn)}), which no Go function does`);
    if (!/^j[a-z]+$/.test(m)) continue;
    const target = directTarget(insn);
    if (target === undefined) {
      if (m === 'jmp' && isJumpTable(instructions, i)) continue;
      return refuse(`it has an indirect jump (${at(insn)}) that is not a jump table of its own, so it may leave without a ret`);
    }
    if (target < start || target >= end) return refuse(`it jumps out of itself (${at(insn)}: a tail call), so it returns from the function it jumps to, without a ret of its own`);
  }
  if (returns.length === 0) return refuse(`it has no ret instruction (it never returns, or returns through another function) in [0x${start.toString(16)}, 0x${end.toString(16)})`);
  return { returns };
}

/** Operands that are the goroutine's stack guard: g (r14 under the register ABI; rcx after a TLS load before Go 1.17) + 0x10. */
const STACK_GUARD = /^0x10\(%(?:r14|rcx)\)$/;

/**
 * Where CODE's entry probe sits: after its stack-check prologue's
 * conditional jump when the prologue is recognised (the function's own
 * code from there on runs once per call), else its first instruction (a
 * NOSPLIT function, which has no prologue, or one guru does not know).
 */
export function goEntrySite(code: GoFunctionCode): GoEntry {
  const insns = code.instructions;
  let i = 0;
  // Before Go 1.17, g is loaded from thread-local storage first.
  if (insns[i] && bare(insns[i]!) === 'mov' && /^%fs:/.test(insns[i]!.operands[0] ?? '') && insns[i]!.operands[1] === '%rcx') i++;
  let against = '%rsp';
  const lea = insns[i];
  if (lea && bare(lea) === 'lea' && /^-0x[0-9a-f]+\(%rsp\)$/.test(lea.operands[0] ?? '') && lea.operands[1] === '%r12') {
    against = '%r12';
    i++;
  }
  const cmp = insns[i];
  const jbe = insns[i + 1];
  const next = insns[i + 2];
  if (!cmp || !jbe || !next || bare(cmp) !== 'cmp' || !STACK_GUARD.test(cmp.operands[0] ?? '') || cmp.operands[1] !== against || bare(jbe) !== 'jbe') {
    return { address: code.start, prologue: false };
  }
  // The jbe goes to the function's own morestack call, past its body.
  const target = directTarget(jbe);
  if (target === undefined || target <= jbe.address || target >= code.end) return { address: code.start, prologue: false };
  return { address: next.address, prologue: true };
}
