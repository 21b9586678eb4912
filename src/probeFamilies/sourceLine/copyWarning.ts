// A statement-probe write that may change nothing. DWARF names one place per
// variable and address; the compiler may already have copied the value to
// the place the rest of the function uses. Debian 6.1's ksys_write at
// fs/read_write.c:638 is the case in point:
//
//   ksys_write+0x6b: mov %rax,%r12     ← ret copied, before the probe
//   ksys_write+0x6e: test %rax,%rax    ← the probe: DWARF says ret is rax
//   ...                                  (until +0x77; from there on, r12)
//   ksys_write+0x99: mov %r12,%rax     ← what ksys_write returns
//
// A write to rax at +0x6e changes the `ret >= 0` test and nothing else.
// The check: where the variable's location list moves it from the written
// register R to another place P right after the probe's range, and no
// instruction from the probe address to that point may write P, the value
// in P was made before the probe, and the write does not reach it. Then the
// write gets a warning (the spec still builds: the write is real, it may
// just be the wrong place), with the lines where the variable is in P.
import type { Instruction } from '../../debuginfo/disassemble.js';
import type { LocatedRange, ScopeVariable, VariableLocation } from '../../debuginfo/dwarf/dwarfInfo.js';
import type { WriteWarning } from '../types.js';

/** One address of the probe, with the variable as DWARF describes it there. */
export interface CopyCheckSite {
  address: bigint;
  /** `ksys_write+0x6e`, for messages. */
  label: string;
  variable: ScopeVariable;
}

export interface CopyCheckContext {
  /** Instructions in [from, to); undefined when they cannot be read (no objdump). */
  instructions(from: bigint, to: bigint): Instruction[] | undefined;
  /** `ksys_write+0x77` for an address. */
  addressLabel(address: bigint): string;
  /** Other lines of the function: their spelling and addresses (for the hint). */
  lines: { point: string; addresses: bigint[] }[];
}

/** The register families of x86-64, by any of their names. */
const FAMILY: Record<string, string> = {};
for (const [r64, ...rest] of [
  ['rax', 'eax', 'ax', 'al', 'ah'],
  ['rbx', 'ebx', 'bx', 'bl', 'bh'],
  ['rcx', 'ecx', 'cx', 'cl', 'ch'],
  ['rdx', 'edx', 'dx', 'dl', 'dh'],
  ['rsi', 'esi', 'si', 'sil'],
  ['rdi', 'edi', 'di', 'dil'],
  ['rbp', 'ebp', 'bp', 'bpl'],
  ['rsp', 'esp', 'sp', 'spl'],
  ...[8, 9, 10, 11, 12, 13, 14, 15].map((n) => [`r${n}`, `r${n}d`, `r${n}w`, `r${n}b`]),
]) {
  for (const name of [r64!, ...rest]) FAMILY[name] = r64!;
}

/** The System V ABI's caller-saved registers: a call may change them. */
const CALL_CLOBBERED = new Set(['rax', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11']);

/** Mnemonics that only read their operands. */
const READS_ONLY = /^(cmp|test|bt$|bt[wlq]$|push|jmp|j[a-z]+$|nop|ucomis|comis|prefetch|ret|endbr|lfence|mfence|sfence|int3|ud2)/;

/** Registers an instruction writes without naming them. */
function implicitWrites(mnemonic: string, operands: string[]): string[] {
  const m = mnemonic.replace(/^(?:(?:rep[a-z]*|lock|notrack|bnd|data16|cs|ds) )+/, '');
  if (/^(mul|div|idiv)/.test(m) || (/^imul/.test(m) && operands.length === 1)) return ['rax', 'rdx'];
  if (/^(cqto|cltd|cwtd)$/.test(m)) return ['rdx'];
  if (/^(cltq|cwtl|cbtw)$/.test(m)) return ['rax'];
  if (/^(rdtsc|rdtscp|rdmsr|rdpmc)$/.test(m)) return ['rax', 'rdx', 'rcx'];
  if (m === 'cpuid') return ['rax', 'rbx', 'rcx', 'rdx'];
  if (/^cmpxchg/.test(m)) return ['rax'];
  if (/^(movs|stos|lods|scas|cmps)/.test(m)) return ['rcx', 'rsi', 'rdi', 'rax'];
  return [];
}

function family(operand: string): string | undefined {
  return FAMILY[operand.replace(/^%/, '')];
}

/** Whether INS may change PLACE (a register family, or any memory). */
export function mayWrite(ins: Instruction, place: { register: string } | 'memory'): boolean {
  const m = ins.mnemonic.replace(/^(?:(?:rep[a-z]*|lock|notrack|bnd|data16|cs|ds) )+/, '');
  if (/^call/.test(m)) return place === 'memory' || CALL_CLOBBERED.has(place.register);
  if (place !== 'memory' && implicitWrites(ins.mnemonic, ins.operands).includes(place.register)) return true;
  if (/^push/.test(m)) return place === 'memory'; // it stores below the stack pointer
  if (/^(xchg|xadd|cmpxchg)/.test(m)) return ins.operands.some((o) => (place === 'memory' ? o.includes('(') : family(o) === place.register));
  if (READS_ONLY.test(m)) return false;
  const dest = ins.operands[ins.operands.length - 1];
  if (dest === undefined) return false;
  return place === 'memory' ? dest.includes('(') : family(dest) === place.register;
}

function sameLocation(a: VariableLocation, b: VariableLocation): boolean {
  if (a.kind === 'register' && b.kind === 'register') return a.dwarfReg === b.dwarfReg;
  if (a.kind === 'memory' && b.kind === 'memory') return a.base === b.base && a.offset === b.offset;
  return false;
}

function describePlace(l: VariableLocation): string {
  return l.kind === 'register' ? l.reg : 'memory';
}

/** The entry of a location list that holds ADDRESS. */
function entryAt(locations: LocatedRange[], address: bigint): LocatedRange | undefined {
  return locations.find((l) => l.low !== undefined && l.high !== undefined && l.low <= address && address < l.high);
}

/** Where the value went before the probe, and from where the variable lives there; undefined when the write reaches it. */
export function lostWrite(site: CopyCheckSite, ctx: CopyCheckContext): { place: VariableLocation; from: bigint } | undefined {
  const here = site.variable.location;
  if (here.kind !== 'register') return undefined;
  const range = entryAt(site.variable.locations, site.address);
  if (!range || !sameLocation(range.location, here)) return undefined;
  const next = site.variable.locations.find((l) => l.low === range.high);
  if (!next || (next.location.kind !== 'register' && next.location.kind !== 'memory') || sameLocation(next.location, here)) return undefined;
  const code = ctx.instructions(site.address, range.high!);
  if (!code || code.length === 0) return undefined;
  const place = next.location.kind === 'register' ? { register: FAMILY[next.location.reg] ?? next.location.reg } : 'memory';
  if (code.some((ins) => mayWrite(ins, place))) return undefined;
  return { place: next.location, from: range.high! };
}

/** The warning for writing $NAME at these addresses, or undefined when every write reaches. */
export function copyWarning(name: string, label: string, sites: CopyCheckSite[], ctx: CopyCheckContext): WriteWarning | undefined {
  const lost = sites.flatMap((s) => {
    const l = lostWrite(s, ctx);
    return l ? [{ site: s, ...l }] : [];
  });
  if (lost.length === 0) return undefined;
  const where = lost
    .map((l) => `at ${l.site.label} it is in ${describePlace(l.site.variable.location)}, but the compiler has already copied it, and from ${ctx.addressLabel(l.from)} on ${name} is in ${describePlace(l.place)}`)
    .join('; ');
  const target = lost[0]!.place;
  const locations = lost[0]!.site.variable.locations;
  const better = ctx.lines
    .filter((line) => line.addresses.every((a) => {
      const e = entryAt(locations, a);
      return e !== undefined && sameLocation(e.location, target) && !lostWrite({ address: a, label: '', variable: { ...lost[0]!.site.variable, location: e.location } }, ctx);
    }))
    .map((line) => line.point);
  return {
    message: `this write to ${name} may change nothing the code uses: ${where}`,
    hint: better.length
      ? `write ${name} where it is in ${describePlace(target)} at every address, e.g. ${[...new Set(better)].slice(0, 3).join(' or ')}`
      : `guru check ${label} shows where ${name} is at each address; probe a line where the place written is the one used afterwards`,
  };
}
