// errno names, open(2) flags, mode bits and signal numbers, read from the target kernel's
// headers so `$return = -EACCES` means what it means on that kernel.
// Values are `#define NAME <expr>` where expr is a number (C rules: 0755 is
// octal), another constant, a shift of those (`(1 << 11)`: 7.x's fcntl.h
// spells every open flag so), or an OR of those in parentheses.

import { parseCInteger } from '../expr/cInteger.js';

const NAME_FILTER = /^(E[A-Z0-9]+|O_[A-Z0-9_]+|S_I[A-Z0-9_]+|AT_[A-Z0-9_]+|SEEK_[A-Z]+|SIG(?!STKSZ)[A-Z0-9]+)$/;

export function parseHeaderConstants(headerTexts: string[]): Map<string, bigint> {
  const raw = new Map<string, string>();
  for (const text of headerTexts) {
    const clean = text.replace(/\/\*[\s\S]*?\*\//g, ' ');
    for (const m of clean.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([^\n]+)$/gm)) {
      if (!raw.has(m[1])) raw.set(m[1], m[2].trim());
    }
  }
  const values = new Map<string, bigint>();
  const evaluate = (name: string, depth: number): bigint | undefined => {
    if (values.has(name)) return values.get(name);
    const expr = raw.get(name);
    if (expr === undefined || depth > 8) return undefined;
    const v = evaluateOrExpression(expr, (n) => evaluate(n, depth + 1));
    if (v !== undefined) values.set(name, v);
    return v;
  };
  const out = new Map<string, bigint>();
  for (const name of raw.keys()) {
    if (!NAME_FILTER.test(name)) continue;
    const v = evaluate(name, 0);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

function evaluateOrExpression(expr: string, lookup: (name: string) => bigint | undefined): bigint | undefined {
  const inner = expr.replace(/^\((.*)\)$/, '$1');
  let acc = 0n;
  for (const part of inner.split('|')) {
    const p = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    const shift = /^(.+?)\s*<<\s*(.+)$/.exec(p);
    const v = shift ? shifted(term(shift[1]!, lookup), term(shift[2]!, lookup)) : term(p, lookup);
    if (v === undefined) return undefined;
    acc |= v;
  }
  return acc;
}

/** A number or a constant's name. */
function term(text: string, lookup: (name: string) => bigint | undefined): bigint | undefined {
  const t = text.trim().replace(/^\((.*)\)$/, '$1').trim();
  return parseCInteger(t) ?? (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t) ? lookup(t) : undefined);
}

function shifted(value: bigint | undefined, by: bigint | undefined): bigint | undefined {
  return value === undefined || by === undefined || by < 0n || by > 63n ? undefined : value << by;
}
