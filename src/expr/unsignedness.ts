// Which integer expressions are unsigned, by C's usual arithmetic
// conversions on the language's 64-bit values (docs/spec.md,
// "Expressions"): a value of an unsigned 64-bit type (a size_t or
// unsigned long target, a pointer, a u64 member, var or param, a literal
// or constant above 2^63 - 1) is unsigned, and an operator with an
// unsigned operand works unsigned: <, >, <=, >= compare as u64, / % and >>
// divide and shift as u64, and + - * & | ^ ?: yield unsigned values.
// Narrower unsigned types (u32, u16, u8) widen to s64 first, as C widens
// them when the other operand is a 64-bit long, so they stay signed here.
import type { IrExpr, TargetVar } from './ir.js';

/** The declared types of a module's vars and params, by their ids. */
export interface DeclaredTypes {
  varType(scope: 'thread' | 'global', id: number): string | undefined;
  paramType(id: number): string | undefined;
}

const UNSIGNED_64 = new Set([
  'unsigned long', 'unsigned long int', 'long unsigned int', 'long unsigned',
  'unsigned long long', 'unsigned long long int', 'long long unsigned int', 'long long unsigned',
  'u64', '__u64', 'uint64_t', 'size_t', '__kernel_size_t', 'uintptr_t', '__kernel_ulong_t',
]);

/** Whether a C type holds an unsigned 64-bit value (a pointer is an address: unsigned). */
export function isUnsigned64CType(ctype: string): boolean {
  if (ctype.includes('*')) return true;
  const bare = ctype.replace(/\b(const|volatile|__user|__kernel|__iomem|__rcu|__force)\b/g, ' ').replace(/\s+/g, ' ').trim();
  return UNSIGNED_64.has(bare);
}

function targetUnsigned(t: TargetVar): boolean {
  return isUnsigned64CType(t.registerCType ?? t.ctype);
}

export function isUnsignedExpr(e: IrExpr, types: DeclaredTypes): boolean {
  const u = (x: IrExpr): boolean => isUnsignedExpr(x, types);
  switch (e.k) {
    case 'int':
      return e.unsigned === true;
    case 'target':
      return !e.target.string && targetUnsigned(e.target);
    case 'load':
      return e.ctype === 'u64';
    case 'var':
      return types.varType(e.scope, e.id) === 'u64';
    case 'param':
      return types.paramType(e.id) === 'u64';
    case 'unary':
      return e.op !== '!' && u(e.arg);
    case 'binary':
      switch (e.op) {
        case '<': case '>': case '<=': case '>=': case '==': case '!=':
          return false;
        case '<<': case '>>':
          return u(e.left); // a shift has its left operand's type
        default:
          return u(e.left) || u(e.right);
      }
    case 'cond':
      return u(e.then) || u(e.else);
    default:
      return false;
  }
}
