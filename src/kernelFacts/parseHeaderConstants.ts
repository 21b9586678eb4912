// Constants a spec names (errno names, open(2) flags, mode bits, signal
// numbers, socket families, rlimits, limits, capabilities...), read from the
// target kernel's headers so `$return = -EACCES` means what it means on that
// kernel. Each `#define NAME <expr>` is evaluated as C would
// (cConstantExpression.ts): numbers, other constants, casts, shifts
// (`(1 << 11)`: 7.x's fcntl.h spells every open flag so) and the operators
// of an integer constant expression.
import { evaluateCConstant, type CInt } from './cConstantExpression.js';

/** The families of names a spec may use; other macros of the same headers (include guards, helpers) stay out. */
const NAME_FILTER =
  /^(E[A-Z0-9]+|O_[A-Z0-9_]+|S_I[A-Z0-9_]+|AT_[A-Z0-9_]+|SEEK_[A-Z]+|SIG(?!STKSZ)[A-Z0-9]+|(AF|PF|MSG|SOL|SO|RLIMIT|RLIM|PROT|MAP|CLONE|IPPROTO|CAP|PTRACE|SG)_[A-Z0-9_]+|U?(INT|LONG|LLONG|SHRT)_(MAX|MIN)|S?SIZE_MAX|[US](8|16|32|64)_(MAX|MIN))$/;

/** Each constant's value (a 64-bit unsigned one as its u64 value), and the names of those whose C type is 64-bit unsigned. */
export interface HeaderConstants {
  values: Map<string, bigint>;
  unsigned64: Set<string>;
}

export function parseHeaderConstants(headerTexts: string[]): HeaderConstants {
  const raw = new Map<string, string>();
  for (const text of headerTexts) {
    const clean = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
    for (const m of clean.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([^\n]+)$/gm)) {
      if (!raw.has(m[1])) raw.set(m[1], m[2].trim());
    }
  }
  const values = new Map<string, CInt | undefined>();
  const evaluate = (name: string, depth: number): CInt | undefined => {
    if (values.has(name)) return values.get(name);
    const expr = raw.get(name);
    if (expr === undefined || depth > 16) return undefined;
    const v = evaluateCConstant(expr, (n) => evaluate(n, depth + 1));
    values.set(name, v);
    return v;
  };
  const out: HeaderConstants = { values: new Map(), unsigned64: new Set() };
  for (const name of raw.keys()) {
    if (!NAME_FILTER.test(name)) continue;
    const v = evaluate(name, 0);
    if (v === undefined) continue;
    out.values.set(name, v.v);
    if (v.bits === 64 && !v.signed) out.unsigned64.add(name);
  }
  return out;
}
