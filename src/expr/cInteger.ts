// C's integer literals, as the expression language and the kernel's headers
// both write them.

/** C integer literal: decimal, 0x hex, 0 octal; suffixes u/l ignored. */
export function parseCInteger(text: string): bigint | undefined {
  const t = text.replace(/[uUlL]+$/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^0[0-7]*$/.test(t)) return t.length > 1 ? BigInt('0o' + t.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(t)) return BigInt(t);
  return undefined;
}
