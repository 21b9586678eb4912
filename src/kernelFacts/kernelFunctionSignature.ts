// A kernel function's arguments and return value as a probe sees them: the
// C prototype from BTF, laid onto the x86_64 SysV calling convention. At a
// function's first instruction the first integer-class arguments are still
// in rdi, rsi, rdx, rcx, r8, r9 and the return value is in rax at return;
// everything else (stack arguments, structs by value) is out of reach of a
// kprobe that reads registers, and says why.
import type { Btf, BtfPrototype, BtfTypeRef } from '../debuginfo/btf.js';

/** Integer argument registers in order. */
export const ARG_REGISTERS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'] as const;

/**
 * The fixed-width C type a register is converted through. Always declared
 * in a kernel module (unlike BTF typedefs such as `blk_opf_t`), and exactly
 * as wide as the value: the ABI leaves the bits above a narrow argument or
 * return value undefined, so an `int` of -1 reads as -1 and a `bool` as 0/1
 * only after truncating to its own width.
 */
export type RegisterCType = 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64' | 'unsigned long';

export interface FunctionArgument {
  /** 1-based position in the C parameter list. */
  position: number;
  /** Parameter name ('' when BTF has none). */
  name: string;
  /** C type from BTF, e.g. `const char *`, `size_t`. */
  ctype: string;
  /** Its BTF type id. */
  typeId: number;
  /** Argument register index (0 = rdi … 5 = r9) when the argument can be read. */
  register?: number;
  registerCType?: RegisterCType;
  /** Why the argument cannot be read at a kprobe, when it cannot. */
  unavailable?: string;
}

export interface FunctionReturn {
  ctype: string;
  typeId?: number;
  registerCType?: RegisterCType;
  unavailable?: string;
}

export interface KernelFunctionSignature {
  name: string;
  /** The C declaration, e.g. `ssize_t ksys_write(unsigned int fd, const char *buf, size_t count)`. */
  declaration: string;
  args: FunctionArgument[];
  returns: FunctionReturn;
  variadic: boolean;
}

/** How one value is passed: in N integer registers (typed when readable), or in memory. */
type Passing =
  | { kind: 'registers'; count: 1; ctype: RegisterCType }
  | { kind: 'registers'; count: 1 | 2; why: string }
  | { kind: 'memory'; why: string };

/** The fixed-width type of an integer of SIZE bytes (BTF sizes); undefined for other sizes. */
export function intCType(size: number, signed: boolean): Exclude<RegisterCType, 'unsigned long'> | undefined {
  const bits = ({ 1: 8, 2: 16, 4: 32, 8: 64 } as Record<number, number | undefined>)[size];
  return bits === undefined ? undefined : (`${signed ? 's' : 'u'}${bits}` as Exclude<RegisterCType, 'unsigned long'>);
}

/** SysV classification of a parameter or return type, reduced to what the kernel uses (no floating point). */
function classify(btf: Btf, ref: BtfTypeRef): Passing {
  const t = btf.resolve(ref.typeId);
  if (!t) return { kind: 'memory', why: `its type ${ref.cType} is not in BTF` };
  switch (t.kind) {
    case 'ptr':
    case 'array': // decays to a pointer in a parameter list
    case 'func_proto':
      return { kind: 'registers', count: 1, ctype: 'unsigned long' };
    case 'int': {
      // _Bool occupies the low byte only; reading more of the register reads garbage.
      const ctype = t.bool ? 'u8' : intCType(t.size, t.signed);
      if (ctype) return { kind: 'registers', count: 1, ctype };
      if (t.size === 16) return { kind: 'registers', count: 2, why: `${ref.cType} is 128 bits wide, passed in two registers` };
      return { kind: 'memory', why: `${ref.cType} has an unusual size (${t.size} bytes)` };
    }
    case 'enum': {
      const ctype = intCType(t.size, t.signed);
      return ctype ? { kind: 'registers', count: 1, ctype } : { kind: 'memory', why: `${ref.cType} has an unusual size (${t.size} bytes)` };
    }
    case 'struct':
    case 'union': {
      const why = `${ref.cType} is passed by value (${t.size} bytes); guru reads integers and pointers only`;
      if (t.size > 16) return { kind: 'memory', why: `${ref.cType} is passed by value on the stack (${t.size} bytes)` };
      return { kind: 'registers', count: t.size > 8 ? 2 : 1, why };
    }
    case 'float':
      return { kind: 'memory', why: `${ref.cType} is floating point, passed in an SSE register` };
    default:
      return { kind: 'memory', why: `${ref.cType} is not a value type` };
  }
}

function fromPrototype(btf: Btf, proto: BtfPrototype): KernelFunctionSignature {
  const args: FunctionArgument[] = [];
  let next = 0; // next free argument register
  proto.params.forEach((p, i) => {
    const arg: FunctionArgument = { position: i + 1, name: p.name, ctype: p.cType, typeId: p.typeId };
    const passing = classify(btf, p);
    if (passing.kind === 'memory') {
      arg.unavailable = passing.why;
    } else if (next + passing.count > ARG_REGISTERS.length) {
      // A two-register value that does not fit goes to the stack whole, and
      // the register left over still takes the next scalar argument.
      arg.unavailable = `it is argument ${i + 1}, passed on the stack (only the first ${ARG_REGISTERS.length} integer arguments travel in registers)`;
    } else {
      if ('ctype' in passing) {
        arg.register = next;
        arg.registerCType = passing.ctype;
      } else {
        arg.unavailable = passing.why;
      }
      next += passing.count;
    }
    args.push(arg);
  });
  return { name: proto.name, declaration: proto.declaration, args, returns: returnOf(btf, proto.returnType), variadic: proto.variadic };
}

function returnOf(btf: Btf, ref: BtfTypeRef): FunctionReturn {
  if (ref.typeId === 0 || btf.resolve(ref.typeId) === undefined) return { ctype: 'void', unavailable: 'the function returns void' };
  const passing = classify(btf, ref);
  if (passing.kind === 'registers' && 'ctype' in passing) return { ctype: ref.cType, typeId: ref.typeId, registerCType: passing.ctype };
  return { ctype: ref.cType, unavailable: passing.kind === 'memory' ? passing.why : `the function returns ${ref.cType} by value; guru reads integers and pointers only` };
}

export type SignatureLookup =
  | { found: true; signature: KernelFunctionSignature }
  | { found: false; why: string };

/**
 * The signature of kernel function NAME from BTF. Two static functions of
 * the same name with different prototypes are ambiguous: kallsyms names
 * either, so neither prototype can be trusted for the probed one.
 */
export function kernelFunctionSignature(btf: Btf, name: string): SignatureLookup {
  const funcs = btf.typesNamed(name).filter((t) => t.kind === 'func');
  if (funcs.length === 0) {
    return { found: false, why: `the kernel's BTF has no prototype for ${name} (written in assembly, or the compiler changed its signature)` };
  }
  const proto = btf.findFunction(name)!;
  const distinct = new Set(funcs.map((f) => btf.cType(f.id)));
  if (distinct.size > 1) {
    return { found: false, why: `the kernel has ${distinct.size} different functions called ${name}, and BTF does not say which one the probe meets` };
  }
  return { found: true, signature: fromPrototype(btf, proto) };
}
