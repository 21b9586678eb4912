// A user function's arguments by name at a uprobe on its first
// instruction, typed from DWARF (the prototype of src/debuginfo/dwarf/
// prototype.ts), and its return value typed at a uretprobe.
//
// Where an argument is read: from the System V argument registers at the
// entry address, placed by the calling convention from the DWARF types,
// not from the parameter's DW_AT_location. At the first instruction the
// caller has just executed `call`, so the ABI alone fixes where each
// integer-class argument is (rdi, rsi, rdx, rcx, r8, r9 in order). The
// DWARF location describes the body: with -O0 it is a frame slot
// (DW_OP_fbreg) the prologue has not written yet at the entry address, so
// reading it there would read stale stack; with optimisation it is that
// same register at the entry pc. SystemTap instead probes after the
// prologue (DW_AT_low_pc, then the line table's next row) and reads the
// slot; guru does not, because (1) the uprobe stays where the uretprobe on
// the same function and `$argN` sit (a uretprobe must be at the entry,
// where the stack holds the return address), (2) the line table's "end of
// prologue" is a heuristic that scheduled code breaks, and (3) a write to
// the argument register at the entry is what the body then sees, while
// past the prologue the body has already copied it.
//
// Go (DW_LANG_Go) has a calling convention of its own: since Go 1.17 its
// register ABI (ABIInternal) passes integer and pointer arguments in rax,
// rbx, rcx, rdi, rsi, r8, r9, r10, r11 in order, a string in two of them
// (pointer, length) and a slice in three, floats in X0-X14 apart from
// those; results come back the same way starting from rax again. So at a
// uretprobe a Go function's results are readable (and writable) by name:
// `$return` is its first. Before Go 1.17 everything is on the stack, which
// guru does not read at a uprobe.
import type { PrototypeParameter, PrototypeType, FunctionPrototype } from '../../debuginfo/dwarf/dwarfInfo.js';
import type { TargetVar } from '../../expr/ir.js';
import { scalarCType } from '../../expr/localAccess.js';
import { ARG_REGISTERS } from '../../kernelFacts/kernelFunctionSignature.js';
import type { UnavailableTarget } from '../../expr/compileExpression.js';
import type { ListedTarget, ProbeScope } from '../types.js';

/** How one argument is passed: in N integer registers (readable when one holds an integer or pointer), or elsewhere. */
type Passing =
  | { kind: 'register' }
  | { kind: 'notInteger'; why: string; registers: number }
  /** After a value whose classification guru does not do, no later place is certain. */
  | { kind: 'unknown'; why: string };

/** Go's integer registers for arguments and results, in order (ABIInternal on amd64). */
export const GO_ARG_REGISTERS = ['rax', 'rbx', 'rcx', 'rdi', 'rsi', 'r8', 'r9', 'r10', 'r11'] as const;

function goPassing(t: PrototypeType): Passing {
  if (t.scalar) return { kind: 'register' };
  if (t.float) return { kind: 'notInteger', why: `${t.cType} is floating point, passed in an X register, which guru does not read`, registers: 0 };
  if (t.cType === 'string') return { kind: 'notInteger', why: 'a Go string travels as a pointer and a length in two registers, which guru does not read as one value', registers: 2 };
  if (t.cType.startsWith('[]')) return { kind: 'notInteger', why: `a Go slice (${t.cType}) travels as pointer, length and capacity in three registers, which guru does not read as one value`, registers: 3 };
  return { kind: 'unknown', why: `${t.cType} is passed by value, in registers or on the stack as Go's register assignment of its parts decides, which guru does not work out` };
}

function passing(t: PrototypeType): Passing {
  if (t.scalar) return { kind: 'register' };
  if (t.float) return { kind: 'notInteger', why: `${t.cType} is floating point, passed in an SSE register (or on the x87 stack), which guru does not read`, registers: 0 };
  if (t.size !== undefined && t.size > 16) return { kind: 'notInteger', why: `${t.cType} is passed by value on the stack (${t.size} bytes)`, registers: 0 };
  if (t.size === 16 && /^(__int128|unsigned __int128|__int128 unsigned)$/.test(t.cType)) return { kind: 'notInteger', why: `${t.cType} is 128 bits wide, passed in two registers`, registers: 2 };
  return { kind: 'unknown', why: `${t.cType} is passed by value${t.size !== undefined ? ` (${t.size} bytes)` : ''}, in registers or on the stack as its members' types decide, which guru does not work out` };
}

/** Where one value of a list travels: integer register N of the convention's, or why it cannot be placed. */
type Placement = { register: number } | { why: string };

/**
 * Place VALUES (a prototype's arguments, or Go's results) in order, as the
 * calling convention does: each integer or pointer takes the next of
 * COUNT integer registers from FIRST; a value that is not an integer takes
 * its own registers (or none) and cannot be read; after one whose passing
 * guru does not work out (LOST_AFTER says so), nothing is certain; LOST
 * from the start when no value can be placed at all; ON_STACK says why a
 * value past the registers cannot be read.
 */
function assignRegisters(
  values: readonly PrototypeParameter[],
  passed: (t: PrototypeType) => Passing,
  count: number,
  first: number,
  lostAfter: (v: PrototypeParameter, index: number) => string,
  lost?: string,
  onStack = `it is passed on the stack (only the first ${count} integer arguments travel in registers)`,
): Placement[] {
  let next = first;
  return values.map((v, i) => {
    if (lost) return { why: lost };
    const how = passed(v.type);
    if (how.kind === 'unknown') {
      lost = lostAfter(v, i);
      return { why: how.why };
    }
    if (how.kind === 'notInteger') {
      next += how.registers;
      return { why: how.why };
    }
    if (next >= count) return { why: onStack };
    return { register: next++ };
  });
}

/** The C type a register is converted through: as wide as the value (the ABI leaves the upper bits undefined). */
function registerCType(t: PrototypeType): string {
  return t.scalar!.kind === 'pointer' ? 'unsigned long' : scalarCType(t.scalar!);
}

export interface EntryTargets extends Pick<ProbeScope, 'targets' | 'unavailableTargets'> {
  listed: ListedTarget[];
}

/**
 * The targets of a uprobe (RET false) or uretprobe (RET true) on the
 * function PROTO describes: `$name` and its positional alias `$argN` for
 * each argument at entry, `$return` at return.
 */
export function entryTargets(proto: FunctionPrototype, ret: boolean, label: string, entry: string, retSpelling: string): EntryTargets {
  const targets = new Map<string, TargetVar>();
  const unavailableTargets = new Map<string, UnavailableTarget>();
  const listed: ListedTarget[] = [];
  const aliases: [string, TargetVar | UnavailableTarget][] = [];
  const go = proto.convention !== 'sysv';
  const registers: readonly string[] = go ? GO_ARG_REGISTERS : ARG_REGISTERS;
  const access = (n: number): string => (go ? `GURU_GO_ARG(${n})` : `GURU_USER_ARG(${n})`);
  // A struct returned in memory: the caller passes where to put it in rdi, a hidden first argument.
  const hidden = !go && !proto.returns.void && !proto.returns.scalar && !proto.returns.float && (proto.returns.size === undefined || proto.returns.size > 16);
  const placements = assignRegisters(
    proto.params,
    go ? goPassing : passing,
    registers.length,
    hidden ? 1 : 0,
    (p, i) => `it comes after ${p.name ? `$${p.name}` : `$arg${i + 1}`} (${p.type.cType} by value), whose passing guru does not work out, so where it is is not certain`,
    proto.convention === 'go-stack' ? `${proto.name} is built without Go's register ABI (before Go 1.17): its arguments are on the stack, which guru does not read at a uprobe` : undefined,
  );
  proto.params.forEach((p, i) => {
    const position = i + 1;
    const display = p.name ? `$${p.name}` : `$arg${position}`;
    const shown: ListedTarget = { name: display, ctype: p.type.cType, writable: false };
    if (p.name && position <= registers.length) shown.alias = `$arg${position}`;
    const place = placements[i]!;
    let why: string | undefined;
    if ('why' in place) why = place.why;
    else if (ret) why = go ? `at return the registers hold ${proto.name}'s results` : `at return the argument registers hold whatever ${proto.name} left in them`;
    else {
      const t: TargetVar = { name: display, ctype: p.type.cType, registerCType: registerCType(p.type), access: { kind: 'c', c: access(place.register) }, writable: true };
      targets.set(display, t);
      aliases.push([`$arg${position}`, { ...t, name: `$arg${position}` }]);
      shown.writable = true;
    }
    if (why !== undefined) {
      const u: UnavailableTarget = {
        message: `${display} (${p.type.cType}, argument ${position} of ${proto.name}) cannot be read at ${label}: ${why}`,
        hint: ret ? `read it at ${entry} (and keep it in a thread var for the return)` : `its prototype: ${proto.declaration}`,
      };
      unavailableTargets.set(display, u);
      aliases.push([`$arg${position}`, u]);
      shown.unavailable = why;
    }
    listed.push(shown);
  });
  // Positional aliases never shadow a parameter that happens to be called argN.
  for (const [name, v] of aliases) {
    if (targets.has(name) || unavailableTargets.has(name)) continue;
    if ('access' in v) targets.set(name, v);
    else unavailableTargets.set(name, v);
  }
  if (go) goResults(proto, ret, label, targets, unavailableTargets, listed);
  const arity = proto.params.length;
  for (let i = arity + 1; i <= registers.length; i++) {
    const name = `$arg${i}`;
    if (targets.has(name) || unavailableTargets.has(name)) continue;
    unavailableTargets.set(name, {
      message: `${proto.name} takes ${arity === 0 ? 'no arguments' : arity === 1 ? 'one argument' : `${arity} arguments`}${proto.variadic ? ' and a variable list' : ''}: there is no ${name}`,
      hint: `its prototype: ${proto.declaration}`,
    });
  }
  const r = proto.returns;
  if (proto.convention === 'go-stack' && ret) {
    unavailableTargets.set('$return', { message: `$return cannot be read at ${label}: ${proto.name} is built without Go's register ABI (before Go 1.17), its results are on the stack`, hint: 'rebuild it with Go 1.17 or later' });
  } else if (!ret) {
    unavailableTargets.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use ${retSpelling}` });
  } else if (r.scalar) {
    targets.set('$return', { name: '$return', ctype: r.cType, registerCType: registerCType(r), access: { kind: 'returnValue' }, writable: true });
    listed.push({ name: '$return', ctype: r.cType, writable: true });
  } else {
    const why = r.void ? `${proto.name} returns void` : r.float ? `${proto.name} returns ${r.cType}, in an SSE register, which guru does not read` : `${proto.name} returns ${r.cType} by value; guru reads integers and pointers only`;
    unavailableTargets.set('$return', { message: `$return cannot be read at ${label}: ${why}`, hint: `its prototype: ${proto.declaration}` });
    listed.push({ name: '$return', ctype: r.cType, writable: false, unavailable: why });
  }
  return { targets, unavailableTargets, listed };
}

/**
 * A Go function's named results: at return each in its register (the
 * first is `$return` as well), at entry not yet set. Unnamed ones (`~r0`)
 * are only `$return`.
 */
function goResults(proto: FunctionPrototype, ret: boolean, label: string, targets: Map<string, TargetVar>, unavailableTargets: Map<string, UnavailableTarget>, listed: ListedTarget[]): void {
  const placements = assignRegisters(
    proto.results,
    goPassing,
    GO_ARG_REGISTERS.length,
    0,
    () => 'it comes after a result whose passing guru does not work out',
    proto.convention === 'go-stack' ? 'its results are on the stack (built before Go 1.17)' : undefined,
    'it is returned on the stack',
  );
  proto.results.forEach((r, i) => {
    // Unnamed results (`~r0`) have no name to write: they are $return only.
    if (r.name === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.name)) return;
    const display = `$${r.name}`;
    const place = placements[i]!;
    const why = 'why' in place ? place.why : !ret ? `it is a result of ${proto.name}, set when it returns` : undefined;
    if (why === undefined && 'register' in place) {
      targets.set(display, { name: display, ctype: r.type.cType, registerCType: registerCType(r.type), access: { kind: 'c', c: `GURU_GO_ARG(${place.register})` }, writable: true });
      listed.push({ name: display, ctype: r.type.cType, writable: true });
      return;
    }
    unavailableTargets.set(display, { message: `${display} (${r.type.cType}, a result of ${proto.name}) cannot be read at ${label}: ${why}`, hint: ret ? `its prototype: ${proto.declaration}` : `read it at the return probe: ${label.replace(/\)$/, ').return')}` });
    if (ret) listed.push({ name: display, ctype: r.type.cType, writable: false, unavailable: why });
  });
}
