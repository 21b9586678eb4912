// Naming a character in an error message so that invisible and look-alike
// characters (tabs, control characters, non-ASCII quotes) are unambiguous.

export function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === '\n') return 'a newline';
  if (c === '\t') return 'a tab';
  if (c === ' ') return 'a space';
  if (c === '"') return 'a double quote (")';
  if (c === "'") return "a single quote (')";
  if (c === '\\') return 'a backslash (\\)';
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  if (code < 0x20 || code === 0x7f) return `control character U+${hex}`;
  if (code > 0x7e) return `'${c}' (U+${hex})`;
  return `'${c}'`;
}
