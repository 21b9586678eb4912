// DWARF register numbers for x86_64 (System V psABI, "DWARF Register Number
// Mapping"), named as gdb and the kernel's pt_regs name them.
const NAMES: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip',
  ...Array.from({ length: 16 }, (_, i) => `xmm${i}`),
  ...Array.from({ length: 8 }, (_, i) => `st${i}`),
  ...Array.from({ length: 8 }, (_, i) => `mm${i}`),
  'eflags', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', '', '', 'fs_base', 'gs_base',
];

export function x86RegisterName(dwarfRegister: number): string {
  return NAMES[dwarfRegister] || `r${dwarfRegister}?`;
}

/** True for the general-purpose registers a kprobe handler can read and write in pt_regs. */
export function isGeneralPurposeRegister(dwarfRegister: number): boolean {
  return dwarfRegister >= 0 && dwarfRegister <= 16;
}
