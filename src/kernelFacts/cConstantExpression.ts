// The value of a `#define`'s body as C computes it on x86_64: integer
// literals with their suffixes, other macros, casts to integer types,
// unary - ~ !, and the binary operators a header's constant uses
// (`((int)(~0U >> 1))` for INT_MAX, `(~0UL)` for RLIM_INFINITY, `(1 << 11)`).
// Types follow C's rules (literal types, integer promotions, the usual
// arithmetic conversions) because they decide the value: ~0U is 4294967295,
// ~0 is -1. Anything else (function-like macros, strings, sizeof) is not a
// constant here: undefined.
import { parseCInteger } from '../expr/cInteger.js';

/** An integer of C type: BITS wide, signed or not, V already wrapped to it. */
export interface CInt {
  v: bigint;
  bits: 32 | 64;
  signed: boolean;
}

const TYPE_WORDS = /^(?:(?:unsigned|signed|int|long|short|char|const|__u8|__u16|__u32|__u64|__s8|__s16|__s32|__s64|u8|u16|u32|u64|s8|s16|s32|s64|size_t|ssize_t|__kernel_size_t|loff_t)\s*)+$/;

function wrap(v: bigint, bits: 32 | 64, signed: boolean): CInt {
  return { v: signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v), bits, signed };
}

/** The C type a cast names; narrower types are read at int (the value is what matters here). */
function castType(words: string): { bits: 32 | 64; signed: boolean } | undefined {
  const w = words.trim().split(/\s+/).filter((x) => x !== 'const');
  const joined = w.join(' ');
  const fixed: Record<string, { bits: 32 | 64; signed: boolean }> = {
    __u64: { bits: 64, signed: false }, u64: { bits: 64, signed: false }, __s64: { bits: 64, signed: true }, s64: { bits: 64, signed: true },
    __u32: { bits: 32, signed: false }, u32: { bits: 32, signed: false }, __s32: { bits: 32, signed: true }, s32: { bits: 32, signed: true },
    size_t: { bits: 64, signed: false }, __kernel_size_t: { bits: 64, signed: false }, ssize_t: { bits: 64, signed: true }, loff_t: { bits: 64, signed: true },
  };
  if (w.length === 1 && fixed[joined]) return fixed[joined];
  if (w.some((x) => /^(__)?[us](8|16)$/.test(x) || x === 'short' || x === 'char')) return undefined; // narrow types: not needed, not guessed
  const signed = !w.includes('unsigned');
  const bits = w.includes('long') ? 64 : 32;
  return { bits, signed };
}

/** A literal's type: C11 6.4.4.1 for x86_64 (int 32, long 64). */
function literal(raw: string): CInt | undefined {
  const value = parseCInteger(raw);
  if (value === undefined) return undefined;
  const suffix = /[uUlL]*$/.exec(raw)![0].toLowerCase();
  const unsignedSuffix = suffix.includes('u');
  const longSuffix = suffix.includes('l');
  const decimal = /^[1-9]/.test(raw) || raw === '0';
  const candidates: { bits: 32 | 64; signed: boolean }[] = [];
  if (!longSuffix) {
    if (!unsignedSuffix) candidates.push({ bits: 32, signed: true });
    if (unsignedSuffix || !decimal) candidates.push({ bits: 32, signed: false });
  }
  if (!unsignedSuffix) candidates.push({ bits: 64, signed: true });
  if (unsignedSuffix || !decimal) candidates.push({ bits: 64, signed: false });
  for (const c of candidates) {
    const max = c.signed ? (1n << BigInt(c.bits - 1)) - 1n : (1n << BigInt(c.bits)) - 1n;
    if (value <= max) return { v: value, ...c };
  }
  return undefined;
}

/** The usual arithmetic conversions of two (already promoted) operands. */
function common(a: CInt, b: CInt): { bits: 32 | 64; signed: boolean } {
  if (a.bits === b.bits) return { bits: a.bits, signed: a.signed && b.signed };
  // The wider type wins: a long holds every unsigned int, so it stays signed.
  const wide = a.bits > b.bits ? a : b;
  return { bits: wide.bits, signed: wide.signed };
}

type Token = { t: 'num' | 'name' | 'op'; s: string };

function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  const re = /\s*(?:([0-9][0-9a-zA-Z_]*)|([A-Za-z_][A-Za-z0-9_]*)|(<<|>>|&&|\|\||==|!=|<=|>=|[-+*/%&|^~!()<>?:]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    out.push(m[1] ? { t: 'num', s: m[1] } : m[2] ? { t: 'name', s: m[2] } : { t: 'op', s: m[3]! });
    i = re.lastIndex;
  }
  return out;
}

/** Evaluate TEXT, looking other macros up with LOOKUP; undefined if it is not an integer constant guru can compute. */
export function evaluateCConstant(text: string, lookup: (name: string) => CInt | undefined): CInt | undefined {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return undefined;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (s: string): boolean => peek()?.t === 'op' && peek()!.s === s;
  const fail = (): never => {
    throw new NotConstant();
  };

  const binaryLevels: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  const conditional = (): CInt => {
    const c = binary(0);
    if (!isOp('?')) return c;
    pos++;
    const a = conditional();
    if (!isOp(':')) fail();
    pos++;
    const b = conditional();
    const t = common(a, b);
    return c.v !== 0n ? wrap(a.v, t.bits, t.signed) : wrap(b.v, t.bits, t.signed);
  };

  const binary = (level: number): CInt => {
    if (level === binaryLevels.length) return unary();
    let left = binary(level + 1);
    while (peek()?.t === 'op' && binaryLevels[level]!.includes(peek()!.s)) {
      const op = tokens[pos++]!.s;
      const right = binary(level + 1);
      left = apply(op, left, right);
    }
    return left;
  };

  const unary = (): CInt => {
    const tok = peek();
    if (!tok) fail();
    if (tok!.t === 'op' && ['-', '+', '~', '!'].includes(tok!.s)) {
      pos++;
      const x = unary();
      if (tok!.s === '!') return { v: x.v === 0n ? 1n : 0n, bits: 32, signed: true };
      if (tok!.s === '+') return x;
      return wrap(tok!.s === '-' ? -x.v : ~x.v, x.bits, x.signed);
    }
    if (tok!.t === 'op' && tok!.s === '(') {
      // A cast, or a parenthesised expression.
      let end = pos + 1;
      while (tokens[end]?.t === 'name') end++;
      const words = tokens.slice(pos + 1, end).map((t) => t.s).join(' ');
      if (end > pos + 1 && tokens[end]?.t === 'op' && tokens[end]!.s === ')' && TYPE_WORDS.test(words)) {
        const type = castType(words) ?? fail();
        pos = end + 1;
        const x = unary();
        return wrap(x.v, type.bits, type.signed);
      }
      pos++;
      const x = conditional();
      if (!isOp(')')) fail();
      pos++;
      return x;
    }
    pos++;
    if (tok!.t === 'num') return literal(tok!.s) ?? fail();
    if (tok!.t === 'name') return lookup(tok!.s) ?? fail();
    return fail();
  };

  try {
    const value = conditional();
    return pos === tokens.length ? value : undefined;
  } catch (err) {
    if (err instanceof NotConstant) return undefined;
    throw err;
  }
}

class NotConstant extends Error {}

function apply(op: string, a: CInt, b: CInt): CInt {
  const bool = (x: boolean): CInt => ({ v: x ? 1n : 0n, bits: 32, signed: true });
  if (op === '&&') return bool(a.v !== 0n && b.v !== 0n);
  if (op === '||') return bool(a.v !== 0n || b.v !== 0n);
  if (op === '<<' || op === '>>') {
    if (b.v < 0n || b.v >= BigInt(a.bits)) throw new NotConstant();
    return wrap(op === '<<' ? a.v << b.v : a.v >> b.v, a.bits, a.signed);
  }
  const t = common(a, b);
  const x = wrap(a.v, t.bits, t.signed).v;
  const y = wrap(b.v, t.bits, t.signed).v;
  switch (op) {
    case '|': return wrap(x | y, t.bits, t.signed);
    case '&': return wrap(x & y, t.bits, t.signed);
    case '^': return wrap(x ^ y, t.bits, t.signed);
    case '+': return wrap(x + y, t.bits, t.signed);
    case '-': return wrap(x - y, t.bits, t.signed);
    case '*': return wrap(x * y, t.bits, t.signed);
    case '/':
    case '%':
      if (y === 0n) throw new NotConstant();
      return wrap(op === '/' ? x / y : x % y, t.bits, t.signed);
    case '==': return bool(x === y);
    case '!=': return bool(x !== y);
    case '<': return bool(x < y);
    case '>': return bool(x > y);
    case '<=': return bool(x <= y);
    case '>=': return bool(x >= y);
  }
  throw new NotConstant();
}
