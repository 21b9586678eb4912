import { describeChar } from './describeChar.js';

// `where: comm:` patterns. A pattern is compared with the task's comm, which
// the kernel keeps in a 16-byte buffer (TASK_COMM_LEN), so at most 15
// characters. Patterns are pasted into generated C as string literals, so the
// character set is closed: printable ASCII without `"` and `\`.
//
// Glob syntax: `*` any run (also empty), `?` one character, `[abc]`, `[a-z]`,
// `[!abc]` / `[^abc]` one character from / not from a set. There is no escape
// character, so `*?[` cannot be matched literally (no comm needs them).

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
    return { message: 'empty comm pattern', hint: 'a comm is 1 to 15 characters, e.g. comm: echo', offset: 0, length: 0 };
  }
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') {
      return {
        message: `comm pattern may not contain ${c === '"' ? 'a double quote (")' : 'a backslash (\\)'}`,
        hint: 'comm patterns are placed in a C string literal in the generated module, so " and \\ are refused; a task name never needs them',
        offset: i,
        length: 1,
      };
    }
    if (code < 0x20 || code > 0x7e) {
      return {
        message: `comm pattern may only contain printable ASCII, found ${describeChar(c)}`,
        hint: 'comm patterns are placed in a C string literal in the generated module; use printable ASCII (space to ~)',
        offset: i,
        length: 1,
      };
    }
  }
  if (pattern.length > COMM_PATTERN_MAX_TEXT) {
    return {
      message: `comm pattern is ${pattern.length} characters long; at most ${COMM_PATTERN_MAX_TEXT} are accepted`,
      offset: COMM_PATTERN_MAX_TEXT,
      length: pattern.length - COMM_PATTERN_MAX_TEXT,
    };
  }
  let atoms = 0; // characters any match must consume
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') continue;
    if (c === '[') {
      const close = bracketEnd(pattern, i);
      if (close < 0) {
        return {
          message: "unclosed '[' in comm pattern",
          hint: "a bracket expression needs a closing ']', e.g. comm: \"[bd]ash\"; there is no way to match a literal '['",
          offset: i,
          length: pattern.length - i,
        };
      }
      i = close;
    }
    atoms++;
  }
  if (atoms > COMM_MAX_LENGTH) {
    const literal = !isCommGlob(pattern);
    return {
      message: `comm pattern can never match: it needs ${atoms} characters, but a task's comm holds at most ${COMM_MAX_LENGTH} (TASK_COMM_LEN-1)`,
      hint: literal
        ? `the kernel truncates task names to ${COMM_MAX_LENGTH} characters; write comm: ${pattern.slice(0, COMM_MAX_LENGTH)}`
        : `the kernel truncates task names to ${COMM_MAX_LENGTH} characters; shorten the pattern`,
      offset: 0,
      length: pattern.length,
    };
  }
  return undefined;
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
 * Reference semantics of a comm pattern (the generated C matcher must agree;
 * its tests can use this as the oracle).
 */
export function commPatternMatches(pattern: string, comm: string): boolean {
  const match = (p: number, s: number): boolean => {
    if (p === pattern.length) return s === comm.length;
    const c = pattern[p];
    if (c === '*') {
      for (let k = s; k <= comm.length; k++) if (match(p + 1, k)) return true;
      return false;
    }
    if (s === comm.length) return false;
    if (c === '?') return match(p + 1, s + 1);
    if (c === '[') {
      const close = bracketEnd(pattern, p);
      if (close >= 0) {
        return bracketContains(pattern.slice(p + 1, close), comm[s]) && match(close + 1, s + 1);
      }
    }
    return c === comm[s] && match(p + 1, s + 1);
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
