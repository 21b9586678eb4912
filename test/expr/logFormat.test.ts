// printf formats against C's printf as the oracle: a program compiled with
// gcc prints every conversion with every value, and guru must print the
// same bytes. guru's integers are 64-bit, so a conversion without a length
// modifier is C's with `ll`; hh and h narrow as C does.
import fs from 'node:fs';
import { formatConversion, parseLogFormat, FormatError, type Conversion } from '../../src/expr/logFormat.js';
import { compileC, makeTempDir, run } from '../debuginfo/toolchain.js';

const SPECS = [
  '%d', '%i', '%u', '%x', '%X', '%o', '%#o', '%#x', '%#X', '%c', '%5c', '%-3c|',
  '%hhd', '%hhu', '%hhx', '%hd', '%hu', '%hx', '%ld', '%lu', '%lld', '%llx', '%zu', '%zd', '%jd', '%td',
  '%5d', '%-5d|', '%05d', '%+d', '% d', '%+5d', '%-+5d|', '%.3d', '%8.3d', '%-8.3d|', '%08.3d', '%.0d', '%#.0o', '%.0x',
  '%#10x', '%#010x', '%-#10o|', '%020llu', '%+.2hhd', '% 05hd',
];
const VALUES = [0n, 1n, -1n, 7n, 42n, 255n, 256n, 511n, -128n, 65535n, 65536n, 2147483647n, -2147483648n, 4294967296n, 9223372036854775807n, -9223372036854775808n, 0x1234567890abcdefn];
const CHARS = [65n, 97n, 32n, 0x141n];
const STRING_SPECS = ['%s', '%10s|', '%-10s|', '%.3s|', '%10.2s|', '%-6.4s|', '%.0s|'];
const STRINGS = ['', 'a', 'hello', 'anaconda-ks.cfg'];

/** C's spelling of a guru conversion: the value is a 64-bit long long unless hh/h narrow it. */
function cSpec(spec: string): string {
  const m = /^%([-0+ #]*)([0-9]*)(\.[0-9]*)?(hh|h|ll|l|z|j|t)?([a-zA-Z])(.*)$/.exec(spec)!;
  const [, flags, width, prec, len, conv, rest] = m;
  const cLen = conv === 'c' ? '' : len === 'hh' || len === 'h' ? len : 'll';
  return `%${flags}${width}${prec ?? ''}${cLen}${conv}${rest}`;
}

function conversion(spec: string): { conv: Conversion; rest: string } {
  const pieces = parseLogFormat(spec);
  const conv = pieces[0] as Conversion;
  return { conv, rest: typeof pieces[1] === 'string' ? pieces[1] : '' };
}

test('integer and string conversions print what C printf prints', () => {
  const dir = makeTempDir('printf');
  try {
    const lines: string[] = [];
    const expected: string[] = [];
    for (const spec of SPECS) {
      const { conv, rest } = conversion(spec);
      // %c prints one byte; printable ones keep the output text (0x141 prints as its low byte, A).
      for (const v of conv.conv === 'c' ? CHARS : VALUES) {
        const arg = conv.conv === 'c' ? `(int)(unsigned char)${BigInt.asUintN(8, v)}` : v === -9223372036854775808n ? '(-9223372036854775807LL - 1)' : `${v}LL`;
        lines.push(`  printf("${cSpec(spec)}\\n", ${arg});`);
        expected.push(formatConversion(conv, v) + rest);
      }
    }
    for (const spec of STRING_SPECS) {
      for (const s of STRINGS) {
        lines.push(`  printf("${spec}\\n", "${s}");`);
        const { conv, rest } = conversion(spec);
        expected.push(formatConversion(conv, s) + rest);
      }
    }
    const exe = compileC(dir, 'printf.c', `#include <stdio.h>\nint main(void)\n{\n${lines.join('\n')}\n  return 0;\n}\n`, 'printf', ['-O0', '-Wno-format']);
    const out = run(exe, []).split('\n').slice(0, -1);
    expect(out.length).toBe(expected.length);
    // Compare line by line, so a mismatch names its conversion.
    const mismatches = out.map((line, i) => (line === expected[i] ? undefined : `${lines[i]!.trim()} → C "${line}", guru "${expected[i]}"`)).filter(Boolean);
    expect(mismatches).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('%p prints 0x and hex, 0 too (C libraries differ there: glibc prints (nil))', () => {
  expect(formatConversion(conversion('%p').conv, 0x1ffn)).toBe('0x1ff');
  expect(formatConversion(conversion('%p').conv, 0n)).toBe('0x0');
  expect(formatConversion(conversion('%p').conv, -1n)).toBe('0xffffffffffffffff');
  expect(formatConversion(conversion('%18p').conv, 0xffffffff81000000n)).toBe('0xffffffff81000000');
});

test.each([
  ['%f', /unsupported conversion %f: guru has no floating-point values/],
  ['%n', /%n writes through a pointer/],
  ['%m', /SystemTap's %m/],
  ['%*d', /width or precision taken from an argument/],
  ['%.*s', /width or precision taken from an argument/],
  ['%ls', /%s takes no length modifier/],
  ['%Ld', /the length L is not supported/],
  ['%y', /unsupported conversion %y/],
  ['abc %', /incomplete conversion at the end/],
  ['%5%', /%5% is not a conversion/],
])('%s is refused', (fmt, message) => {
  let err: unknown;
  try {
    parseLogFormat(fmt);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(message);
});

test('a format splits into text and conversions with their flags, width, precision and width of value', () => {
  expect(parseLogFormat('a %-10.3s b %#hhx%%')).toEqual([
    'a ',
    { index: 2, spec: '%-10.3s', flags: '-', width: 10, precision: 3, bits: 64, conv: 's' },
    ' b ',
    { index: 12, spec: '%#hhx', flags: '#', width: undefined, precision: undefined, bits: 8, conv: 'x' },
    '%',
  ]);
});
