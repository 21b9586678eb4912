// x86_64 DWARF register numbers (System V psABI) as struct pt_regs fields,
// the only registers a kprobe handler sees. Vector and x87 registers are not
// saved in pt_regs, so a variable living there cannot be reached.
import type { PtRegsField, RegsAddress } from '../../expr/localAccess.js';
export { formatRegsAddress, registerName } from '../../expr/localAccess.js';
import type { CfaRule } from '../../debuginfo/dwarf/callFrames.js';

const FIELDS: readonly PtRegsField[] = ['ax', 'dx', 'cx', 'bx', 'si', 'di', 'bp', 'sp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ip'];

/** The pt_regs field of DWARF register DWARF_REG, or undefined. */
export function ptRegsField(dwarfReg: number): PtRegsField | undefined {
  return FIELDS[dwarfReg];
}

/** The pt_regs field for a register named as gdb names it (rax, r12, rsp). */
export function ptRegsFieldByName(name: string): PtRegsField | undefined {
  const short = /^r(ax|dx|cx|bx|si|di|bp|sp|ip)$/.exec(name)?.[1] ?? name;
  return (FIELDS as readonly string[]).includes(short) ? (short as PtRegsField) : undefined;
}

/** A CFA rule in pt_regs terms, when it is register + offset with a register the handler has. */
export function cfaInRegs(rule: CfaRule | undefined): RegsAddress | undefined {
  if (!rule || rule.kind !== 'register') return undefined;
  const base = ptRegsField(rule.dwarfReg);
  return base && base !== 'ip' ? { base, offset: rule.offset } : undefined;
}
