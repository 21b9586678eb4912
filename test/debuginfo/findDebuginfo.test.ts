// Debuginfo lookup for statement probes: the build-id of the file must be
// the target kernel's, or guru refuses and says why and how to fix it.
// Stand-ins for vmlinux are tiny programs linked with chosen build-ids.
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../../src/errors.js';
import { findDebuginfo, type DebuginfoSearch } from '../../src/debuginfo/findDebuginfo.js';
import { makeTempDir, run } from './toolchain.js';

const RIGHT = 'aa11bb22cc33dd44ee55ff6600112233445566ff';
const WRONG = '0123456789abcdef0123456789abcdef01234567';
let dir: string;
let right: string;
let wrong: string;

function link(name: string, buildId: string): string {
  run('gcc', ['-g', '-O1', `-Wl,--build-id=0x${buildId}`, '-o', name, 'main.c'], dir);
  return path.join(dir, name);
}

beforeAll(() => {
  dir = makeTempDir('find-debuginfo');
  fs.writeFileSync(path.join(dir, 'main.c'), 'int main(void) { return 0; }\n');
  right = link('vmlinux-right', RIGHT);
  wrong = link('vmlinux-wrong', WRONG);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const search = (over: Partial<DebuginfoSearch>): DebuginfoSearch => ({
  release: '6.1.0-test-amd64',
  expected: { value: RIGHT, source: 'debian:6.1 in guru\'s kernel store' },
  fix: 'guru kernel add debian:6.1 --debuginfo',
  ...over,
});

function refusal(q: DebuginfoSearch): EnvironmentError {
  try {
    findDebuginfo(q);
  } catch (err) {
    if (err instanceof EnvironmentError) return err;
    throw err;
  }
  throw new Error('findDebuginfo accepted what it should refuse');
}

test('the stored vmlinux is used when its build-id is the kernel\'s', () => {
  expect(findDebuginfo(search({ stored: right }))).toEqual({ path: right, buildId: RIGHT });
});

test('--debuginfo PATH with the right build-id is used, and is the only candidate', () => {
  expect(findDebuginfo(search({ explicit: right, stored: wrong }))).toEqual({ path: right, buildId: RIGHT });
});

test('a build-id mismatch is refused with both ids and the fix', () => {
  const e = refusal(search({ explicit: wrong, stored: right }));
  expect(e.message).toContain(`has build-id ${RIGHT}`);
  expect(e.message).toContain(`${wrong} has build-id ${WRONG}`);
  expect(e.message).toMatch(/would probe the wrong instructions/);
  expect(e.hint).toMatch(/guru kernel add debian:6\.1 --debuginfo/);
});

test('no debuginfo at all says where guru looked and how to get it', () => {
  const e = refusal(search({}));
  expect(e.message).toMatch(/statement probes need the debug information \(vmlinux with DWARF\) of 6\.1\.0-test-amd64, and none was found/);
  expect(e.message).toContain('/usr/lib/debug/boot/vmlinux-6.1.0-test-amd64');
  expect(e.message).toContain('/usr/lib/debug/lib/modules/6.1.0-test-amd64/vmlinux');
  expect(e.hint).toBe('guru kernel add debian:6.1 --debuginfo');
});

test('a missing --debuginfo file is named', () => {
  expect(refusal(search({ explicit: path.join(dir, 'nope') })).message).toBe(`--debuginfo ${path.join(dir, 'nope')}: no such file`);
});

test('when the kernel\'s own build-id is unknown, nothing is trusted', () => {
  const e = refusal(search({ stored: right, expected: undefined }));
  expect(e.message).toMatch(/cannot check that .* belongs to 6\.1\.0-test-amd64: the build-id of that kernel is unknown here/);
});
