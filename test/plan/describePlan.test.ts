// `guru check`'s plan text: each probe's guard line names everything that
// must hold for it to run, the if: condition as written included.
import { buildPlan } from '../../src/plan/buildPlan.js';
import { describePlan } from '../../src/plan/describePlan.js';
import { readSpecFile } from '../../src/pipeline.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

test('the guard line of examples/echo-one-byte.yaml shows where: and if:', () => {
  const text = describePlan(buildPlan(readSpecFile('examples/echo-one-byte.yaml'), fakeKernelFacts()));
  const guards = text.split('\n').filter((l) => l.includes('guard:'));
  expect(guards).toEqual(['    guard: uid 1000, comm echo, if: $count > 1', '    guard: uid 1000, comm echo, if: orig > 0']);
});
