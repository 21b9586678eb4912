// KVM or TCG: an explicit GURU_VM_ACCEL wins; otherwise KVM needs the cheap
// checks to pass and then a probe boot, whose verdict is cached per host boot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseAccelerator, kvmCheapChecks } from '../../src/vm/accelerator.js';
import { UserError } from '../../src/errors.js';

const saved = { accel: process.env.GURU_VM_ACCEL, cache: process.env.GURU_CACHE };
let cache: string;

beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-accel-'));
  process.env.GURU_CACHE = cache;
  delete process.env.GURU_VM_ACCEL;
});

afterEach(() => {
  for (const [key, value] of [['GURU_VM_ACCEL', saved.accel], ['GURU_CACHE', saved.cache]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(cache, { recursive: true, force: true });
});

test('GURU_VM_ACCEL forces the accelerator without probing, and rejects anything else', async () => {
  let probes = 0;
  const probe = async (): Promise<boolean> => {
    probes++;
    return true;
  };
  process.env.GURU_VM_ACCEL = 'tcg';
  expect(await chooseAccelerator(probe)).toEqual({ accel: 'tcg', reason: 'GURU_VM_ACCEL=tcg' });
  process.env.GURU_VM_ACCEL = 'kvm';
  expect((await chooseAccelerator(probe)).accel).toBe('kvm');
  process.env.GURU_VM_ACCEL = 'hvf';
  await expect(chooseAccelerator(probe)).rejects.toThrow(UserError);
  expect(probes).toBe(0);
});

test('without the cheap preconditions there is no probe and TCG runs; otherwise one probe decides, then the cache', async () => {
  const cheap = kvmCheapChecks();
  let probes = 0;
  const probe = async (): Promise<boolean> => {
    probes++;
    return false;
  };
  const first = await chooseAccelerator(probe);
  const second = await chooseAccelerator(probe);
  expect(first.accel).toBe('tcg');
  expect(second.accel).toBe('tcg');
  if (cheap) {
    // This machine: /dev/kvm exists, but no vmx/svm flag, so KVM would hang.
    expect(first.reason).toBe(cheap);
    expect(probes).toBe(0);
  } else {
    expect(first.reason).toMatch(/probe boot under KVM did not finish/);
    expect(second.reason).toMatch(/earlier in this host boot/);
    expect(probes).toBe(1);
  }
});
