// comm patterns: what is refused at parse time, and the reference matching
// semantics the generated C matcher must agree with.
import { checkCommPattern, commPatternMatches, isCommGlob, kernelGlobPattern } from '../../src/patchSpec/commPattern.js';

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
  ['a"b\\c', 'a"b\\c', true],
  ['a"b\\*', 'a"b\\cd', true],
  ['a"b\\*', 'a"bcd', false],
  ['[*]x', '*x', true],
  ['[*]x', 'ax', false],
  ['[[]x', '[x', true],
  ['h?llo', 'h\u00e9llo', false], // ? is one byte, é is two
  ['h??llo', 'h\u00e9llo', true],
  ['h\u00e9*', 'h\u00e9llo', true],
])('%s matches %s: %s', (pattern, comm, expected) => {
  expect(checkCommPattern(pattern)).toBeUndefined();
  expect(commPatternMatches(pattern, comm)).toBe(expected);
});

test('isCommGlob', () => {
  expect(isCommGlob('echo')).toBe(false);
  expect(isCommGlob('ba*')).toBe(true);
  expect(isCommGlob('[bd]ash')).toBe(true);
});

test('length counts the bytes a match needs, not the pattern text', () => {
  expect(checkCommPattern('systemd-journal')).toBeUndefined(); // 15
  expect(checkCommPattern('systemd-journal*')).toBeUndefined();
  expect(checkCommPattern('[abcdefghijklmnopqrstuvwxyz]bcdefghijklmn')).toBeUndefined(); // 1 + 14
  expect(checkCommPattern('systemd-journald')?.message).toContain('can never match');
  expect(checkCommPattern('systemd-journald')?.hint).toContain('comm: systemd-journal');
  expect(checkCommPattern('????????????????')?.message).toContain('needs 16 bytes');
});

test('any byte but NUL is a task name: quotes, backslashes, control characters, UTF-8', () => {
  for (const p of ['ec"ho', 'ec\\ho', 'ec\nho', 'ech\u00f6', 'ec\u0007', '\u00ff']) expect(checkCommPattern(p)).toBeUndefined();
  expect(commPatternMatches('ec\u0007', Buffer.from([0x65, 0x63, 0x07]))).toBe(true);
  expect(commPatternMatches('\u00ff', Buffer.from([0xff]))).toBe(false); // the spec's text is UTF-8: U+00FF is c3 bf
  expect(commPatternMatches('\u00ff', Buffer.from([0xc3, 0xbf]))).toBe(true);
});

test('length counts bytes: a comm holds 15, whatever the characters', () => {
  expect(checkCommPattern('\u00e9'.repeat(7) + 'x')).toBeUndefined(); // 15 bytes
  expect(checkCommPattern('\u00e9'.repeat(8))?.message).toContain('needs 16 bytes');
  expect(checkCommPattern('\u00e9'.repeat(8))?.hint).toBe(`the kernel truncates task names to 15 bytes; write comm: ${'\u00e9'.repeat(7)}`);
});

test("the kernel's glob_match gets [! for [^ and a doubled backslash outside brackets (it escapes with \\)", () => {
  expect(kernelGlobPattern('[^bd]ash')).toBe('[!bd]ash');
  expect(kernelGlobPattern('a\\b*')).toBe('a\\\\b*');
  expect(kernelGlobPattern('[\\^]x\\')).toBe('[\\^]x\\\\');
  expect(kernelGlobPattern('[]^]*')).toBe('[]^]*');
});

test.each([
  ['', 'empty comm pattern', 0],
  ['ec\u0000ho', 'NUL byte', 2],
  ['[\u00e9a]x', 'ASCII characters only', 1],
  ['[bd', "unclosed '['", 0],
  ['x[]', "unclosed '['", 1],
  ['*'.repeat(65), 'at most 64', 64],
])('refuses %j', (pattern, message, offset) => {
  const problem = checkCommPattern(pattern);
  expect(problem?.message).toContain(message);
  expect(problem?.offset).toBe(offset);
});
