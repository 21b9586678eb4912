// Global vars are atomic (docs/spec.md, Variables): an update that reads the var
// itself is one atomic read-modify-write in the C emitted (atomic64_add,
// _sub, _or, _and, _xor, or a cmpxchg loop), never an atomic64_read and a
// separate atomic64_set, which loses counts when two CPUs update at once
// (test/runtime/globalCounts.test.ts shows that in a guest).
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { CEmitter } from '../../src/render/emitC.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

const HEAD = `guru: 1\nname: globals\nvars:\n  g: { type: u64, scope: global }\n  s: { type: s64, scope: global }\n  w: { type: u32, scope: global }\n  t: { type: u64, scope: thread }\nprobes:\n`;

/** The C of one do: item at syscall:write. */
function action(item: string): string {
  const plan = buildPlan(parseSpec('g.yaml', `${HEAD}  - on: syscall:write\n    do:\n      - '${item}'\n`), fakeKernelFacts());
  return new CEmitter({ vars: plan.vars, params: plan.params, probe: 0 }).stmt(plan.probes[0]!.actions[0]!).join('\n');
}

const G = '&guru_globals[GVAR_g]';
test.each([
  ['g += 1', `atomic64_add(1, ${G});`],
  ['g = g + $count', `atomic64_add((s64)(u64)GURU_SYS_ARG(2), ${G});`],
  ['g = 2 + g', `atomic64_add(2, ${G});`],
  ['g++', `atomic64_add(1, ${G});`],
  ['g -= 3', `atomic64_sub(3, ${G});`],
  ['g--', `atomic64_sub(1, ${G});`],
  ['g |= 4', `atomic64_or(4, ${G});`],
  ['g &= 6', `atomic64_and(6, ${G});`],
  ['g ^= 1', `atomic64_xor(1, ${G});`],
  ['s -= 2', 'atomic64_sub(2, &guru_globals[GVAR_s]);'],
  // Not one atomic64 operation: a cmpxchg loop that computes the new value from the old one it replaces.
  ['g *= 3', `{ s64 __old = atomic64_read(${G}); do { } while (!atomic64_try_cmpxchg(${G}, &__old, ((s64)__old * 3))); }`],
  ['g = 1 - g', `{ s64 __old = atomic64_read(${G}); do { } while (!atomic64_try_cmpxchg(${G}, &__old, ((s64)1 - __old))); }`],
  ['g = g + g', `{ s64 __old = atomic64_read(${G}); do { } while (!atomic64_try_cmpxchg(${G}, &__old, ((s64)__old + __old))); }`],
  ['g = g > 9 ? 0 : g + 1', `{ s64 __old = atomic64_read(${G}); do { } while (!atomic64_try_cmpxchg(${G}, &__old, (((u64)__old > 9ULL) ? 0 : ((s64)__old + 1)))); }`],
  // A u32 var wraps at 2^32: its new value is converted, so it is a loop too.
  ['w += 1', '{ s64 __old = atomic64_read(&guru_globals[GVAR_w]); do { } while (!atomic64_try_cmpxchg(&guru_globals[GVAR_w], &__old, (s64)(u32)((s64)__old + 1))); }'],
  // Another var in the value is read as it is: only the var updated is the loop's.
  ['g = s + 1', `atomic64_set(${G}, ((s64)atomic64_read(&guru_globals[GVAR_s]) + 1));`],
  ['g += s', `atomic64_add(atomic64_read(&guru_globals[GVAR_s]), ${G});`],
  ['g = 5', `atomic64_set(${G}, 5);`],
  // Thread vars are the task's own: no other CPU updates them at once.
  ['t += 1', 'GURU_TVAR_SET(TVAR_t, ((s64)guru_tvar_get(TVAR_t) + 1), 11);'],
])('%s', (item, c) => {
  expect(action(item)).toBe(c);
});
