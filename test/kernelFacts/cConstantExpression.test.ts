// C's integer constant expressions as a header's #define spells them, with
// C's types deciding the value (x86_64: int 32 bits, long 64).
import { evaluateCConstant, type CInt } from '../../src/kernelFacts/cConstantExpression.js';

const macros: Record<string, string> = { A: '(1 << 4)', B: 'A', LOOP: 'LOOP' };
const lookup = (name: string): CInt | undefined => (name in macros && name !== 'LOOP' ? evaluateCConstant(macros[name]!, lookup) : undefined);
const value = (text: string) => evaluateCConstant(text, lookup)?.v;

test.each([
  ['~0', -1n],
  ['~0U', 4294967295n],
  ['(~0UL)', 18446744073709551615n],
  ['((int)(~0U >> 1))', 2147483647n],
  ['(-((int)(~0U >> 1)) - 1)', -2147483648n],
  ['(~(size_t)0)', 18446744073709551615n],
  ['((long)(~0UL >> 1))', 9223372036854775807n],
  ['0x80000000', 2147483648n],
  ['(1 << 31)', -2147483648n],
  ['(1UL << 63)', 9223372036854775808n],
  ['(A | B | 1)', 17n],
  ['00004000', 2048n],
  ['(-1 < 0U)', 0n],
  ['(-1L < 0U)', 1n],
  ['(3 * 4 + 10 / 3 - 7 % 4)', 12n],
  ['(1 ? 2 : 3)', 2n],
])('%s is %s', (text, expected) => {
  expect(value(text)).toBe(expected);
});

test.each([['foo(1)'], ['"text"'], ['sizeof(int)'], ['(1 << 64)'], ['(1 / 0)'], ['LOOP'], ['UNKNOWN'], ['1 +'], ['(short)1']])('%s is not a constant guru computes', (text) => {
  expect(value(text)).toBeUndefined();
});
