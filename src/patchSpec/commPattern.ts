// `where: comm:` patterns. A pattern is compared with the task's comm, which
// the kernel keeps in a 16-byte buffer (TASK_COMM_LEN): at most 15 bytes, any
// byte but NUL (prctl(PR_SET_NAME) and exec names set it freely). Patterns
// are compared as the UTF-8 bytes of the spec's text and reach the generated
// C as escaped string literals (src/render/emitC.ts cString), so `"`, `\` and
// any other byte are matched as they are.
//
// Glob syntax: `*` any run (also empty), `?` one byte, `[abc]`, `[a-z]`,
// `[!abc]` / `[^abc]` one character from / not from a set (ASCII only). There
// is no escape character: `\` is a plain character, and `*`, `?` and `[` are
// matched literally as a one-character set: `[*]`, `[?]`, `[[]`.

export const COMM_MAX_LENGTH = 15; // TASK_COMM_LEN - 1

/** Longest pattern text we accept, so the C matcher stays small and bounded. */
export const COMM_PATTERN_MAX_TEXT = 64;

export interface CommPatternProblem {
  message: string;
  hint?: string;
  /** Offset of the offending character in the pattern. */
  offset: number;
  length: number;
}

/** Whether a pattern uses glob syntax (otherwise it is compared exactly). */
export function isCommGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function checkCommPattern(pattern: string): CommPatternProblem | undefined {
  if (pattern.length === 0) {
    return { message: 'empty comm pattern', hint: 'a comm is 1 to 15 bytes, e.g. comm: echo', offset: 0, length: 0 };
  }
  const nul = pattern.indexOf('\0');
  if (nul >= 0) {
    return { message: 'comm pattern may not contain a NUL byte', hint: 'the kernel ends a task name at its first NUL, so no comm holds one', offset: nul, length: 1 };
  }
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > COMM_PATTERN_MAX_TEXT) {
    return {
      message: `comm pattern is ${bytes} bytes long; at most ${COMM_PATTERN_MAX_TEXT} are accepted`,
      offset: COMM_PATTERN_MAX_TEXT,
      length: Math.max(0, pattern.length - COMM_PATTERN_MAX_TEXT),
    };
  }
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '[') continue;
    const close = bracketEnd(pattern, i);
    if (close < 0) {
      return {
        message: "unclosed '[' in comm pattern",
        hint: "a bracket expression needs a closing ']', e.g. comm: \"[bd]ash\"; a literal '[' is written [[]",
        offset: i,
        length: pattern.length - i,
      };
    }
    const nonAscii = [...pattern.slice(i, close)].findIndex((ch) => ch.charCodeAt(0) > 0x7e);
    if (nonAscii >= 0) {
      return {
        message: 'a bracket expression in a comm pattern takes ASCII characters only',
        hint: 'a set matches one byte, and a non-ASCII character is several; write it outside the brackets',
        offset: i + nonAscii,
        length: 1,
      };
    }
    i = close;
  }
  // Bytes any match must consume: each byte but `*`, one per bracket expression.
  const text = byteText(pattern);
  let atoms = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '*') continue;
    if (text[i] === '[') i = bracketEnd(text, i);
    atoms++;
  }
  if (atoms > COMM_MAX_LENGTH) {
    const literal = !isCommGlob(pattern);
    return {
      message: `comm pattern can never match: it needs ${atoms} bytes, but a task's comm holds at most ${COMM_MAX_LENGTH} (TASK_COMM_LEN-1)`,
      hint: literal
        ? `the kernel truncates task names to ${COMM_MAX_LENGTH} bytes; write comm: ${Buffer.from(pattern, 'utf8').subarray(0, COMM_MAX_LENGTH).toString('utf8').replace(/\uFFFD$/, '')}`
        : `the kernel truncates task names to ${COMM_MAX_LENGTH} bytes; shorten the pattern`,
      offset: 0,
      length: pattern.length,
    };
  }
  return undefined;
}

/**
 * TEXT's UTF-8 bytes, one character per byte (latin1). Every glob
 * metacharacter is ASCII, and UTF-8 never uses an ASCII byte inside a
 * multi-byte character, so the glob can be read on this string directly.
 */
function byteText(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * The pattern as the kernel's glob_match() reads it: `[^` spelled `[!`, and
 * each `\` outside a bracket expression doubled, since glob_match takes a
 * backslash as an escape there (guru's patterns have none).
 */
export function kernelGlobPattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      const close = bracketEnd(pattern, i);
      const body = pattern.slice(i + 1, close);
      out += `[${body[0] === '^' ? `!${body.slice(1)}` : body}]`;
      i = close;
    } else out += c === '\\' ? '\\\\' : c;
  }
  return out;
}

/** Index of the `]` closing the bracket expression opened at `open`, or -1. */
function bracketEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++; // a leading `]` is a member, as in fnmatch
  const close = pattern.indexOf(']', i);
  return close;
}

/**
 * Reference semantics of a comm pattern, byte by byte as the kernel
 * compares (the generated C matcher must agree; its tests use this as the
 * oracle). COMM is the task name's bytes, or its UTF-8 text.
 */
export function commPatternMatches(pattern: string, comm: string | Buffer): boolean {
  const pat = byteText(pattern);
  const str = typeof comm === 'string' ? byteText(comm) : comm.toString('latin1');
  const match = (p: number, s: number): boolean => {
    if (p === pat.length) return s === str.length;
    const c = pat[p];
    if (c === '*') {
      for (let k = s; k <= str.length; k++) if (match(p + 1, k)) return true;
      return false;
    }
    if (s === str.length) return false;
    if (c === '?') return match(p + 1, s + 1);
    if (c === '[') {
      const close = bracketEnd(pat, p);
      if (close >= 0) {
        return bracketContains(pat.slice(p + 1, close), str[s]) && match(close + 1, s + 1);
      }
    }
    return c === str[s] && match(p + 1, s + 1);
  };
  return match(0, 0);
}

function bracketContains(body: string, ch: string): boolean {
  const negated = body[0] === '!' || body[0] === '^';
  const set = negated ? body.slice(1) : body;
  let found = false;
  for (let i = 0; i < set.length; i++) {
    if (set[i + 1] === '-' && i + 2 < set.length) {
      if (ch >= set[i] && ch <= set[i + 2]) found = true;
      i += 2;
    } else if (set[i] === ch) {
      found = true;
    }
  }
  return found !== negated;
}
