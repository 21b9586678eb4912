// Text values built from a probe's target variables, the way SystemTap
// prints them: `$$vars` (filename=0x140110b0 mode=0x1ff), `$x$$` and
// `$$vars$$` (pretty: "anaconda-ks.cfg", 511), and the syscall tapset's
// `argstr` ("anaconda-ks.cfg", 0777). Each is an IR `text` value: parts the
// probe records, and a LogArg saying how the supervisor shows them.
import type { IrExpr, TargetVar } from './ir.js';
import type { LogArg } from './logArg.js';

/** A text value before it has parts: what the compiler's builders return. */
export interface TextValue {
  arg: LogArg;
  parts: IrExpr[];
}

/** Longest string read for a quoted string, NUL included (as user_string's default). */
const QUOTED_MAX = 256;

export function textValue(arg: LogArg, parts: IrExpr[]): IrExpr & { k: 'text' } {
  return { k: 'text', arg, parts };
}

/** `const char __user *`, `char *`: a pointer to characters, shown as the string there. */
export function isCharPointer(t: TargetVar): boolean {
  return /^(const\s+)?(signed\s+|unsigned\s+)?char\s*(const\s*)?(__user\s*)?\*$/.test(t.ctype.trim());
}

/** Which memory a pointer target points into. */
export function pointerSpace(t: TargetVar): 'user' | 'kernel' {
  return t.typeInfo?.space === 'user' || t.ctype.includes('__user') ? 'user' : 'kernel';
}

const isPointer = (t: TargetVar): boolean => t.ctype.includes('*');

/** SystemTap's user_string_quoted() (or kernel_string_quoted()) of the address ADDR. */
export function quotedString(addr: IrExpr, space: 'user' | 'kernel', max: IrExpr = { k: 'int', value: String(QUOTED_MAX) }): TextValue {
  return { arg: { quoted: true }, parts: [addr, { k: 'tryString', space, addr, max, orEmpty: false }] };
}

/** `name=0x1ff`: how $$vars shows every variable. */
function hexPart(t: TargetVar): TextValue {
  return { arg: 'int', parts: [{ k: 'target', target: t }] };
}

/** `$x$$`: a character pointer as its quoted string, another pointer in hex, an integer in decimal. */
export function prettyTarget(t: TargetVar): { text: TextValue; conv: string } {
  const value: IrExpr = { k: 'target', target: t };
  if (isCharPointer(t)) return { text: quotedString(value, pointerSpace(t)), conv: '%s' };
  return { text: { arg: 'int', parts: [value] }, conv: isPointer(t) ? '%p' : '%d' };
}

/** Which of a probe's variables `$$vars`, `$$parms`, `$$locals` and `$$return` list. */
export type ContextVarSet = 'vars' | 'parms' | 'locals' | 'return';

/**
 * The targets a context-variable set lists, each once (positional aliases
 * such as $arg1 for $fd are left out where the variable has a name).
 */
export function contextTargets(targets: Iterable<TargetVar>, set: ContextVarSet): TargetVar[] {
  const all = [...targets];
  const key = (t: TargetVar): string => JSON.stringify(t.access);
  const positional = (t: TargetVar): boolean => /^\$arg\d$/.test(t.name);
  const named = new Set(all.filter((t) => !positional(t)).map(key));
  const seen = new Set<string>();
  const once = all.filter((t) => {
    if ((positional(t) && named.has(key(t))) || seen.has(key(t))) return false;
    seen.add(key(t));
    return true;
  });
  switch (set) {
    case 'return':
      return once.filter((t) => t.access.kind === 'returnValue');
    case 'locals':
      return once.filter((t) => t.access.kind === 'local');
    case 'parms':
      return once.filter((t) => t.access.kind !== 'returnValue' && t.access.kind !== 'local');
    case 'vars':
      return once.filter((t) => t.access.kind !== 'returnValue');
  }
}

/** `$$vars` and friends: `a=0x1 b=0x2`, or with `$$` after them `a="text" b=2`. */
export function contextVars(targets: TargetVar[], pretty: boolean): TextValue {
  const items = targets.map((t) => {
    const bare = t.name.slice(1);
    if (!pretty) return { fmt: `${bare}=%p`, value: hexPart(t) };
    const p = prettyTarget(t);
    return { fmt: `${bare}=${p.conv}`, value: p.text };
  });
  return {
    arg: { sprintf: items.map((i) => i.fmt).join(' '), args: items.map((i) => i.value.arg) },
    parts: items.flatMap((i) => i.value.parts),
  };
}

/**
 * The syscall tapset's `argstr`, from the prototype (SystemTap writes one
 * per syscall; guru derives it): a `const char __user *` as the quoted
 * string, a mode in octal (0777), flags in hex, other pointers as
 * addresses, numbers in decimal.
 */
export function syscallArgstr(args: TargetVar[]): TextValue {
  const items = args.map((t) => {
    const value: IrExpr = { k: 'target', target: t };
    const bare = t.name.slice(1);
    if (isCharPointer(t) && /^const\b/.test(t.ctype.trim())) return { fmt: '%s', value: quotedString(value, pointerSpace(t)) };
    if (isPointer(t)) return { fmt: '%p', value: { arg: 'int' as const, parts: [value] } };
    if (/mode/.test(bare) || /\b(umode_t|mode_t)\b/.test(t.ctype)) return { fmt: '%#o', value: { arg: 'int' as const, parts: [value] } };
    if (/flags?$/.test(bare)) return { fmt: '%#x', value: { arg: 'int' as const, parts: [value] } };
    // Converted through its C type already: an unsigned argument is never negative here.
    return { fmt: '%d', value: { arg: 'int' as const, parts: [value] } };
  });
  return {
    arg: { sprintf: items.map((i) => i.fmt).join(', '), args: items.map((i) => i.value.arg) },
    parts: items.flatMap((i) => i.value.parts),
  };
}
