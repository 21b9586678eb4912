// comm patterns: what is refused at parse time, and the reference matching
// semantics the generated C matcher must agree with.
import { checkCommPattern, commPatternMatches, isCommGlob } from '../../src/patchSpec/commPattern.js';

test.each([
  ['echo', 'echo', true],
  ['echo', 'echo2', false],
  ['ba*', 'bash', true],
  ['ba*', 'ba', true],
  ['ba*', 'zsh', false],
  ['*sh', 'bash', true],
  ['b?sh', 'bash', true],
  ['b?sh', 'bsh', false],
  ['[bd]ash', 'dash', true],
  ['[bd]ash', 'zash', false],
  ['[!bd]ash', 'zash', true],
  ['[^bd]ash', 'bash', false],
  ['[a-c]at', 'bat', true],
  ['[a-c]at', 'rat', false],
  ['[]x]', ']', true],
  ['Web Content', 'Web Content', true],
  ['kworker/*', 'kworker/0:1', true],
])('%s matches %s: %s', (pattern, comm, expected) => {
  expect(checkCommPattern(pattern)).toBeUndefined();
  expect(commPatternMatches(pattern, comm)).toBe(expected);
});

test('isCommGlob', () => {
  expect(isCommGlob('echo')).toBe(false);
  expect(isCommGlob('ba*')).toBe(true);
  expect(isCommGlob('[bd]ash')).toBe(true);
});

test('length counts the characters a match needs, not the pattern text', () => {
  expect(checkCommPattern('systemd-journal')).toBeUndefined(); // 15
  expect(checkCommPattern('systemd-journal*')).toBeUndefined();
  expect(checkCommPattern('[abcdefghijklmnopqrstuvwxyz]bcdefghijklmn')).toBeUndefined(); // 1 + 14
  expect(checkCommPattern('systemd-journald')?.message).toContain('can never match');
  expect(checkCommPattern('systemd-journald')?.hint).toContain('comm: systemd-journal');
  expect(checkCommPattern('????????????????')?.message).toContain('needs 16 characters');
});

test.each([
  ['', 'empty comm pattern', 0],
  ['ec"ho', 'double quote', 2],
  ['ec\\ho', 'backslash', 2],
  ['ec\nho', 'printable ASCII, found a newline', 2],
  ['ech\u00f6', "printable ASCII, found 'ö' (U+00F6)", 3],
  ['ec\u0007', 'control character U+0007', 2],
  ['[bd', "unclosed '['", 0],
  ['x[]', "unclosed '['", 1],
  ['*'.repeat(65), 'at most 64', 64],
])('refuses %j', (pattern, message, offset) => {
  const problem = checkCommPattern(pattern);
  expect(problem?.message).toContain(message);
  expect(problem?.offset).toBe(offset);
});
