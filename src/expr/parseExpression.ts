// Expressions (`if:` and `do:` items) are parsed by jsep, configured for
// guru's C-like language: C integer literals (0x2a, 0755 octal), `->` member
// access, assignment and ternary operators, and no JavaScript-only operators.
// jsep nodes carry no positions, so a pair of hooks records where each token
// starts; diagnostics use it to point at the exact column.
import jsep from 'jsep';
import jsepAssignment from '@jsep-plugin/assignment';
import jsepTernary from '@jsep-plugin/ternary';
import { parseCInteger } from './cInteger.js';

/** A jsep node with the offset (in the expression text) where its token starts. */
export type ExprNode = jsep.Expression & { start?: number };

export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

let configured = false;
const tokenStarts: number[] = [];

function configureJsep(): void {
  if (configured) return;
  configured = true;
  jsep.plugins.register(jsepAssignment, jsepTernary);
  for (const op of ['??', '===', '!==', '>>>', '**', '**=', '>>>=', '||=', '&&=', '??=']) jsep.removeBinaryOp(op);
  // SystemTap's @cast(...) (and later bpftrace's @maps) start with @.
  jsep.addIdentifierChar('@');
  // SystemTap's extractor calls, @count(x), are read as §count(x) (translateArrows), apart from bpftrace's map @count[k].
  jsep.addIdentifierChar(EXTRACTOR_MARK);
  // SystemTap's `lat[k] <<< v`: below every other operator, so the value is all of the right side (`<<` stays a shift).
  jsep.addBinaryOp('<<<', 0.8);
  jsep.removeLiteral('null');
  jsep.removeLiteral('undefined');

  // Runs first for every token: remember where it starts, and read C
  // integer literals ourselves (jsep would read 0755 as decimal, 0x2a not at all).
  jsep.hooks.add('gobble-token', function gobbleCInteger(this: JsepParser, env) {
    tokenStarts.push(this.index);
    const ch = this.expr.charAt(this.index);
    if (ch === '.' && /[0-9]/.test(this.expr.charAt(this.index + 1))) this.throwError('floating-point numbers are not supported');
    if (!/[0-9]/.test(ch)) return;
    const m = /^[0-9][0-9a-zA-Z_.]*/.exec(this.expr.slice(this.index));
    const raw = m ? m[0] : ch;
    const value = parseCInteger(raw);
    if (value === undefined) this.throwError(`bad integer literal ${raw}`);
    if (value! > 0xffffffffffffffffn) this.throwError(`integer literal ${raw} does not fit in 64 bits`);
    this.index += raw.length;
    env.node = { type: 'Literal', value: value!, raw } as unknown as jsep.Literal;
  });
  // C's cast to a struct or union pointer, `(struct T *)ADDR` (or `(T *)ADDR`),
  // is SystemTap's @cast(ADDR, "struct T"): read as that call, whose type
  // argument starts where the type does. Its operand is one token with its
  // postfix chain, as in C (`(struct T *)p->q` casts p->q).
  jsep.hooks.add('gobble-token', function gobbleCast(this: JsepParser, env) {
    if (env.node || this.expr.charAt(this.index) !== '(') return;
    const m = /^\(\s*((?:(?:struct|union)\s+)?[A-Za-z_][A-Za-z0-9_]*)\s*\*\s*\)/.exec(this.expr.slice(this.index));
    if (!m) return;
    const start = this.index;
    const typeStart = start + m[0].indexOf(m[1]!);
    this.index += m[0].length;
    const operand = this.gobbleToken();
    if (!operand) this.throwError(`a cast to ${m[1]} * needs an address after it`);
    const type = { type: 'Literal', value: m[1]!.replace(/\s+/g, ' '), raw: JSON.stringify(m[1]), start: typeStart, spanLength: m[1]!.length };
    const callee = { type: 'Identifier', name: '@cast', start };
    env.node = { type: 'CallExpression', callee, arguments: [operand, type], start, cast: true } as unknown as jsep.Expression;
  });
  jsep.hooks.add('after-token', function recordTokenStart(env) {
    const start = tokenStarts.pop();
    const node = env.node as ExprNode | false | undefined;
    if (node && node.start === undefined && start !== undefined) node.start = start;
  });
}

interface JsepParser {
  index: number;
  expr: string;
  throwError(message: string): never;
  gobbleToken(): jsep.Expression | false | undefined;
}

/** What a SystemTap extractor's call (`@count(`) starts with once read: its @ replaced by this, so it is no map. */
export const EXTRACTOR_MARK = '§';
/** `@name(`, which no bpftrace map is (their keys are in [ ]): an extractor's call, or a mistaken one (not @cast). */
const EXTRACTOR_CALL = /(^|[^A-Za-z0-9_@$§])@(?!cast$)[A-Za-z_][A-Za-z0-9_]*$/;
/** A bare name as an extractor's first argument: `@count(lat[` (the @ already marked). */
const EXTRACTOR_ARG = /§[A-Za-z_][A-Za-z0-9_]*\(\s*[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether the [ at AT closes with a ] that `<<<` follows: SystemTap's `lat[k1, k2] <<< v`. */
function keysBeforeStapAdd(text: string, at: number): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return /^\s*<<</.test(text.slice(i + 1));
  }
  return false;
}

/**
 * Outside string literals: replace C's `->` by ` .`, so jsep reads it as
 * member access; and a map's keys, bpftrace's `@name[k1, k2]`, by
 * `@name(k1, k2)`, which jsep reads as a call with the keys as its
 * arguments (it has no comma lists inside brackets), as are SystemTap's
 * aggregate keys, `lat[k1, k2] <<< v` and `@count(lat[k1, k2])`; and the @
 * of SystemTap's extractor calls, `@count(x)`, by EXTRACTOR_MARK. All keep
 * the length, so columns stay right.
 */
function translateArrows(text: string): string {
  let out = '';
  let quote: string | undefined;
  // For each open bracket: whether it opened a map's keys (its ] becomes a )).
  const brackets: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      out += c;
    } else if (c === '-' && text[i + 1] === '>') {
      out += ' .';
      i++;
    } else if (c === '(' && EXTRACTOR_CALL.test(out)) {
      const at = out.lastIndexOf('@');
      out = out.slice(0, at) + EXTRACTOR_MARK + out.slice(at + 1) + c;
    } else if (c === '[') {
      const bare = /(^|[^A-Za-z0-9_@$§.])[A-Za-z_][A-Za-z0-9_]*$/.test(out) && (EXTRACTOR_ARG.test(out) || keysBeforeStapAdd(text, i));
      const keys = /(^|[^A-Za-z0-9_@$§])@[A-Za-z0-9_]*$/.test(out) || bare;
      brackets.push(keys);
      out += keys ? '(' : c;
    } else if (c === ']') {
      out += brackets.pop() ? ')' : c;
    } else out += c;
  }
  return out;
}

export function parseExpression(text: string): ExprNode {
  configureJsep();
  tokenStarts.length = 0;
  try {
    return jsep(translateArrows(text)) as ExprNode;
  } catch (err) {
    const e = err as Error & { index?: number; description?: string };
    const message = (e.description ?? e.message).replace(/ at character \d+$/, '');
    throw new ExpressionSyntaxError(message, e.index ?? 0);
  }
}
