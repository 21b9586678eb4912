// The user-stack symboliser (src/apply/userStacks.ts) against a program
// compiled here (test/fixtures/programs/callchain.c, -O0
// -fno-omit-frame-pointer): maps lines as /proc/PID/maps writes them, the
// functions' addresses from the ELF's symbols with gdb as the oracle, and
// which recorded stack words are frames at each point of c's prologue.
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { showCaller } from '../../src/apply/showLogArgs.js';
import { parseMaps, showUserStack, UserStacks } from '../../src/apply/userStacks.js';

let dir: string;
let program: string;
const addr: Record<string, bigint> = {};
/** A PIE load bias, as the kernel would pick one. */
const BASE = 0x555555554000n;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-ustacks-'));
  program = path.join(dir, 'callchain');
  await execa('gcc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', program, path.resolve('test/fixtures/programs/callchain.c')]);
  // gdb names each function's link-time address.
  const { stdout } = await execa('gdb', ['-batch', '-ex', 'info address a', '-ex', 'info address b', '-ex', 'info address c', '-ex', 'info address main', program]);
  for (const m of stdout.matchAll(/Symbol "(\w+)" is a function at address 0x([0-9a-f]+)/g)) addr[m[1]!] = BigInt('0x' + m[2]);
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The program's maps at BASE: its LOAD segments as the kernel maps them (file offset = link-time address - segment's vaddr + offset). */
async function mapsText(): Promise<string> {
  const { stdout } = await execa('readelf', ['-lW', program]);
  const lines: string[] = [];
  for (const m of stdout.matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+) (\S+)/gm)) {
    const off = BigInt('0x' + m[1]) & ~0xfffn;
    const vaddr = BigInt('0x' + m[2]) & ~0xfffn;
    const end = (BigInt('0x' + m[2]) + BigInt('0x' + m[4]) + 0xfffn) & ~0xfffn;
    const perms = `${m[5]!.includes('R') ? 'r' : '-'}${m[5]!.includes('W') ? 'w' : '-'}${m[5]!.includes('E') ? 'x' : '-'}p`;
    lines.push(`${(BASE + vaddr).toString(16)}-${(BASE + end).toString(16)} ${perms} ${off.toString(16).padStart(8, '0')} 08:01 1234 ${program}`);
  }
  lines.push('7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]');
  return lines.join('\n') + '\n';
}

test('maps lines: addresses, permissions, offset, path (or none)', () => {
  expect(parseMaps('55d0c0a00000-55d0c0a01000 r-xp 00001000 fe:01 393 /usr/bin/prog\n7ffd1000-7ffd3000 rw-p 00000000 00:00 0 \n')).toEqual([
    { start: 0x55d0c0a00000n, end: 0x55d0c0a01000n, perms: 'r-xp', offset: 0x1000n, path: '/usr/bin/prog' },
    { start: 0x7ffd1000n, end: 0x7ffd3000n, perms: 'rw-p', offset: 0n, path: '' },
  ]);
});

test('at c\'s entry the word at %rsp is b\'s frame; past the prologue it is not; after the push the word above it is', async () => {
  const maps = await mapsText();
  const users = new UserStacks(() => maps);
  const at = (f: string, off: bigint) => BASE + addr[f]! + off;
  const chain = [at('a', 0x18n), at('main', 0x3cn)];
  const names = (words: bigint[]) => users.frames(1, words).map((f) => `${f.name}+0x${f.offset!.toString(16)}`);
  expect(names([at('c', 0n), at('b', 0x18n), 0x1234n, ...chain])).toEqual(['c+0x0', 'b+0x18', 'a+0x18', 'main+0x3c']);
  expect(names([at('c', 1n), 0x7ffffffde100n, at('b', 0x18n), ...chain])).toEqual(['c+0x1', 'b+0x18', 'a+0x18', 'main+0x3c']);
  // In c's body %rbp is c's own frame: the walk has b, and the word at %rsp is a local.
  expect(names([at('c', 8n), at('b', 0x10n), 0n, at('b', 0x18n), ...chain])).toEqual(['c+0x8', 'b+0x18', 'a+0x18', 'main+0x3c']);
  expect(showUserStack(users.frames(1, [at('c', 0n), at('b', 0x18n), 0n]), 'bpftrace')).toBe(`\n        c+0x0 (${program})\n        b+0x18 (${program})\n`);
  expect(showUserStack(users.frames(1, [at('c', 0n), at('b', 0x18n), 0n]), 'systemtap')).toMatch(
    new RegExp(`^ 0x${at('c', 0n).toString(16)} : c\\+0x0/0x[0-9a-f]+ \\[${program}\\]\n 0x${at('b', 0x18n).toString(16)} : b\\+0x18/0x[0-9a-f]+ \\[${program}\\]\n$`),
  );
  expect(showUserStack(users.frames(1, [at('c', 0n), at('b', 0x18n), 0n]), 'hex')).toBe(`0x${at('c', 0n).toString(16)} 0x${at('b', 0x18n).toString(16)}`);
});

test('an address in no mapping prints in hex, one in anonymous memory too; a process gone without maps read says so', async () => {
  const maps = await mapsText();
  const users = new UserStacks(() => maps);
  expect(showUserStack(users.frames(1, [0x1000n]), 'guru')).toBe(' 0x1000\n');
  expect(showUserStack(users.frames(1, [0x7ffffffde010n]), 'guru')).toBe(' 0x7ffffffde010 ([stack])\n');
  const gone = new UserStacks(() => undefined);
  expect(showUserStack(gone.frames(2, [0x1000n, 0n, 0n, 0x2000n]), 'guru')).toBe(' 0x1000 (process gone)\n 0x2000 (process gone)\n');
  // Once read, a process's maps name its frames after it has gone.
  let alive = true;
  let t = 0;
  const later = new UserStacks(() => (alive ? maps : undefined), undefined, () => (t += 1000));
  const c = BASE + addr.c!;
  expect(later.frames(3, [c])[0]!.name).toBe('c');
  alive = false;
  expect(later.frames(3, [c])[0]!.name).toBe('c');
});

test("caller(): a return address names the function of the call before it (gdb's addresses), as SystemTap's \"NAME 0xADDR\"; hex alone where no symbol covers it", async () => {
  const maps = await mapsText();
  const users = new UserStacks(() => maps);
  const symbols = { lookup: (a: bigint) => (a === 0xffffffff81000010n ? { name: 'ksys_read', offset: 0x10n } : undefined) };
  const ctx = { symbols, errnoNames: {}, users, pid: 1 };
  const ret = BASE + addr.b! + 0x18n;
  expect(showCaller(ret, 'user', ctx)).toBe(`b 0x${ret.toString(16)}`);
  expect(showCaller(0x1000n, 'user', ctx)).toBe('0x1000 0x1000');
  expect(showCaller(BigInt.asIntN(64, 0xffffffff81000011n), 'kernel', ctx)).toBe('ksys_read 0xffffffff81000011');
  expect(showCaller(0xffffffff82000000n, 'kernel', ctx)).toBe('0xffffffff82000000 0xffffffff82000000');
});
