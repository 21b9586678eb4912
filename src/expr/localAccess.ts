// Where a statement probe's local variable ($ret at a source line) lives at
// each address of the probe, in the terms a kprobe handler has: fields of
// struct pt_regs, kernel memory relative to them, constants, and register
// values captured at the function's entry. Resolved from DWARF (see
// src/probeFamilies/statement/localLocation.ts); pure data, part of the Plan.

/** A register as struct pt_regs (x86_64) names it. */
export type PtRegsField =
  | 'ax' | 'dx' | 'cx' | 'bx' | 'si' | 'di' | 'bp' | 'sp'
  | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15' | 'ip';

/** pt_regs-relative address: regs->BASE + OFFSET. */
export interface RegsAddress {
  base: PtRegsField;
  offset: number;
}

export type LocalLocation =
  /** In a register: read and written in pt_regs. */
  | { kind: 'register'; reg: PtRegsField }
  /** In kernel memory at regs->base + offset (a CFA-relative stack slot is folded into this). */
  | { kind: 'memory'; at: RegsAddress }
  /** At a fixed address of the kernel image (link-time, hex); moved by the KASLR slide at run time. */
  | { kind: 'static'; address: string }
  /** A constant (decimal, two's complement within the type). */
  | { kind: 'constant'; value: string }
  /** The value is the address regs->base + offset (a pointer to a local). */
  | { kind: 'address'; at: RegsAddress }
  /**
   * What register REG held when FUNCTION was entered (DW_OP_entry_value):
   * captured by a kprobe on FUNCTION's entry, per task, together with the
   * CFA there; read back only when the statement's own CFA is the same,
   * i.e. the capture belongs to this very call.
   */
  | { kind: 'entry'; reg: PtRegsField; function: string; entryCfa: RegsAddress; cfa: RegsAddress };

/** The variable's type as the probe reads it: an integer of BYTES bytes. */
export interface LocalScalar {
  kind: 'signed' | 'unsigned' | 'pointer';
  bytes: number;
}

export interface LocalSite {
  where: LocalLocation;
  /** The DWARF location expression at that address, for `guru check`. */
  dwarf: string;
}

/** A local of a statement probe: one location per probe address, in the order of the probe's sites. */
export interface LocalAccess {
  kind: 'local';
  /** The variable's name without `$`. */
  variable: string;
  /** Its C type as declared (`ssize_t`, `struct file *`), for messages. */
  declaredType: string;
  /** The function that declares it: FUNC, or a function inlined into it or FUNC was inlined into. */
  declaredIn: string;
  scalar: LocalScalar;
  sites: LocalSite[];
}

/** Fixed-width C type a local's bytes are converted through (kernel typedefs). */
export function scalarCType(s: LocalScalar): string {
  if (s.kind === 'pointer') return 'unsigned long';
  return `${s.kind === 'signed' ? 's' : 'u'}${s.bytes * 8}`;
}

/** The x86 name of a pt_regs field, for messages (ax → rax). */
export function registerName(f: PtRegsField): string {
  return /^r\d/.test(f) ? f : `r${f}`;
}

/** `rsp+56` */
export function formatRegsAddress(a: RegsAddress): string {
  return `${registerName(a.base)}${a.offset >= 0 ? '+' : ''}${a.offset}`;
}

/**
 * Where a local is, in words (`in r12`, `in memory at rsp+0`). A static's
 * link-time address moves by the KASLR slide in the kernel, by the load
 * bias (where the PIE or library was mapped) in a user program.
 */
export function describeLocalLocation(l: LocalLocation, memory: 'kernel' | 'user' = 'kernel'): string {
  switch (l.kind) {
    case 'register':
      return `in ${registerName(l.reg)}`;
    case 'memory':
      return `in memory at ${formatRegsAddress(l.at)}`;
    case 'static':
      return `at ${l.address} (plus ${memory === 'user' ? "the program's load bias" : 'the KASLR slide'})`;
    case 'constant':
      return `the constant ${l.value}`;
    case 'address':
      return `the address ${formatRegsAddress(l.at)}`;
    case 'entry':
      return `${registerName(l.reg)} on entry to ${l.function}, if this call's (CFA ${formatRegsAddress(l.cfa)})`;
  }
}

/** Whether a write can land at LOCATION: a register the handler may change, or memory. */
export function isWritableLocation(l: LocalLocation): boolean {
  if (l.kind === 'register') return l.reg !== 'sp' && l.reg !== 'ip';
  return l.kind === 'memory' || l.kind === 'static';
}
