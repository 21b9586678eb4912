// C's usual arithmetic conversions on the language's 64-bit values: an
// operand of an unsigned 64-bit type (size_t, a pointer, a u64 var or
// param, a literal above S64_MAX) makes <, >, <=, >=, /, % and >> work
// unsigned, as the C the spec's author knows does; 32-bit unsigned
// operands widen to s64 first and stay signed. Checked on the C emitted.
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { CEmitter } from '../../src/render/emitC.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

const HEAD = `guru: 1\nname: unsigned_cmp\nvars:\n  big: { type: u64 }\n  small: { type: s64 }\nparams:\n  limit: { value: 4, type: u64 }\n  level: 1\nprobes:\n`;

/** The C of one if: condition at syscall:write ($fd unsigned int, $buf a user pointer, $count size_t). */
function condition(cond: string): string {
  const plan = buildPlan(parseSpec('u.yaml', `${HEAD}  - on: syscall:write\n    if: '${cond}'\n`), fakeKernelFacts());
  const p = plan.probes[0]!;
  return new CEmitter({ vars: plan.vars, params: plan.params, probe: 0 }).condition(p.cond!, p.line);
}

test.each([
  // An unsigned operand: compared as u64 (C: size_t > -1 is false for every size).
  ['$count > -1', '((u64)GURU_SYS_ARG(2) > (u64)(-1))'],
  ['$count <= 5', '((u64)GURU_SYS_ARG(2) <= 5ULL)'],
  ['$buf >= 4096', '((unsigned long)GURU_SYS_ARG(1) >= 4096ULL)'],
  ['0xffffffffffffffff > $fd', '((u64)(-1) > (u64)(s64)(u32)GURU_SYS_ARG(0))'],
  ['big < 10', '((u64)atomic64_read(&guru_globals[GVAR_big]) < 10ULL)'],
  ['$fd < limit', '((u64)(s64)(u32)GURU_SYS_ARG(0) < (u64)GURU_PARAM(PARAM_limit))'],
  // Unsigned through arithmetic and ?: (C: size_t - 10 wraps, it is never negative).
  ['$count - 10 > 0', '((u64)((s64)(s64)(u64)GURU_SYS_ARG(2) - 10) > 0ULL)'],
  ['(level ? $count : 0) < 5', '((u64)(GURU_PARAM(PARAM_level) ? (s64)(u64)GURU_SYS_ARG(2) : 0) < 5ULL)'],
  // Signed operands stay signed: a u32 widens to s64, as C widens it against a long.
  ['$fd < 0', '((s64)(u32)GURU_SYS_ARG(0) < 0)'],
  ['$fd - 10 > 0', '(((s64)(s64)(u32)GURU_SYS_ARG(0) - 10) > 0)'],
  ['small > -1', '(atomic64_read(&guru_globals[GVAR_small]) > (-1))'],
  ['level < 0', '(GURU_PARAM(PARAM_level) < 0)'],
  ['-1 < 1', '((-1) < 1)'],
  // == and != mean the same either way: left as they are.
  ['$count == -1', '((s64)(u64)GURU_SYS_ARG(2) == (-1))'],
  // A comparison's result is an int: signed again.
  ['($count > 1) - 2 < 0', '(((s64)((u64)GURU_SYS_ARG(2) > 1ULL) - 2) < 0)'],
])('%s', (cond, c) => {
  expect(condition(cond)).toBe(c);
});

test('/, % and >> with an unsigned operand divide and shift unsigned; << and a signed left operand do not', () => {
  expect(condition('$count / 2 > 1')).toContain('GURU_DIVU((s64)(u64)GURU_SYS_ARG(2), 2, 11)');
  expect(condition('$count % 3 > 1')).toContain('GURU_MODU(');
  expect(condition('$count >> 1 > 1')).toContain('GURU_SHRU((s64)(u64)GURU_SYS_ARG(2), 1)');
  expect(condition('1 >> $count')).toBe('GURU_SHR(1, (s64)(u64)GURU_SYS_ARG(2))');
  expect(condition('small / 2')).toBe('GURU_DIV(atomic64_read(&guru_globals[GVAR_small]), 2, 11)');
});

test('a handler with an unsigned division has the fault label its division by zero jumps to', () => {
  const plan = buildPlan(parseSpec('u.yaml', `${HEAD}  - on: syscall:write\n    if: '$count / $fd > 1'\n`), fakeKernelFacts());
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain('GURU_DIVU(');
  expect(c).toMatch(/^fault:\n\tguru_emit_fault\(ctx\);$/m);
});

test('RLIM_INFINITY (~0UL in the headers) is unsigned: no longer -1 in a comparison', () => {
  const base = fakeKernelFacts();
  const facts = { ...base, constant: (n: string) => (n === 'RLIM_INFINITY' ? (1n << 64n) - 1n : base.constant(n)) };
  const plan = buildPlan(parseSpec('u.yaml', `${HEAD}  - on: syscall:write\n    if: '$fd < RLIM_INFINITY && 0 < RLIM_INFINITY'\n`), facts);
  const p = plan.probes[0]!;
  expect(new CEmitter({ vars: plan.vars, params: plan.params, probe: 0 }).condition(p.cond!, p.line)).toBe(
    '(((u64)(s64)(u32)GURU_SYS_ARG(0) < (u64)(-1)) && (0ULL < (u64)(-1)))',
  );
});

test('a constant whose C type is 64-bit unsigned (8UL, (unsigned long) 0xffffffff) compares unsigned, as in C, whatever its value', () => {
  const base = fakeKernelFacts();
  const facts = {
    ...base,
    constant: (n: string) => (n === 'INADDR_NONE' ? 0xffffffffn : base.constant(n)),
    constantUnsigned: (n: string) => n === 'INADDR_NONE',
  };
  const plan = buildPlan(parseSpec('u.yaml', `${HEAD}  - on: syscall:write\n    if: '$fd < INADDR_NONE && $fd < 8UL && $fd < 8 && $fd < EPERM'\n`), facts);
  const p = plan.probes[0]!;
  expect(new CEmitter({ vars: plan.vars, params: plan.params, probe: 0 }).condition(p.cond!, p.line)).toBe(
    '(((((u64)(s64)(u32)GURU_SYS_ARG(0) < 4294967295ULL) && ((u64)(s64)(u32)GURU_SYS_ARG(0) < 8ULL)) && ((s64)(u32)GURU_SYS_ARG(0) < 8)) && ((s64)(u32)GURU_SYS_ARG(0) < 1))',
  );
});
