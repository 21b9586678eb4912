// Typed kernel calls (issue #10 step 5): the functions of guru's allow-list
// (src/expr/kernelCalls.ts), checked against BTF built at test time from
// test/fixtures/btf/kernelCalls.c: what a call compiles to and renders as,
// and every refusal as `guru check` prints it (the probe's kind, a
// function that sleeps, arguments of the wrong type or number, a signal
// not known at check time, another prototype in the kernel's BTF, a
// function the kernel does not export, an unknown name).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import type { Plan } from '../../src/plan/types.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { KERNEL_CALLS } from '../../src/expr/kernelCalls.js';
import { buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SYMBOLS = ['join_session_keyring', 'find_keyring_by_name', 'key_put', 'send_sig', 'msleep'];

let fixture: BtfFixture;
let changed: BtfFixture;
let renamed: BtfFixture;
let headers: string;
beforeAll(() => {
  fixture = buildBtfFixture('kernelCalls.c');
  changed = buildBtfFixture('kernelCalls.c', ['-DKEY_PUT_EXTRA']);
  renamed = buildBtfFixture('kernelCalls.c', ['-DKEY_PUT_RENAMED']);
  // A kernel's headers whose Module.symvers exports send_sig and msleep, not key_put.
  headers = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-symvers-'));
  fs.writeFileSync(path.join(headers, 'Module.symvers'), '0x28f68fed\tsend_sig\tvmlinux\tEXPORT_SYMBOL\t\n0xf9a482f9\tmsleep\tvmlinux\tEXPORT_SYMBOL\t\n');
});
afterAll(() => {
  fixture.cleanup();
  changed.cleanup();
  renamed.cleanup();
  fs.rmSync(headers, { recursive: true, force: true });
});

function facts(opts: { btf?: BtfFixture; headersDir?: string } = {}): KernelFacts {
  const base = fakeKernelFacts(SYMBOLS, { btf: (opts.btf ?? fixture).btf });
  return opts.headersDir ? { ...base, headersDir: opts.headersDir } : base;
}

const spec = (on: string, ...items: string[]) => `guru: 1\nname: calls\nprobes:\n  - on: ${on}\n    do:\n${items.map((i) => `      - '${i}'\n`).join('')}`;

function plan(text: string, opts?: { btf?: BtfFixture; headersDir?: string }): Plan {
  return buildPlan(parseSpec('calls.yaml', text), facts(opts));
}

const diagnose = (text: string, opts?: { btf?: BtfFixture; headersDir?: string }) => refusalText(() => plan(text, opts));

test('key_put($return) at a return probe: a kernel call of the BTF prototype, its pointer as the parameter takes it', () => {
  const p = plan(spec('kretprobe:find_keyring_by_name', 'key_put($return)'));
  const call = p.probes[0]!.actions[0]!;
  expect(call).toMatchObject({ k: 'kernelCall', name: 'key_put', prototype: 'void key_put(struct key *key)', pinTasks: 0, args: [{ ctype: 'struct key *', value: { k: 'target' } }] });
  const files = renderModule(p).files;
  const c = files['probes.c']!;
  expect(c).toContain('#include "guru_call.h"');
  expect(c).toContain('struct key;\n');
  expect(c).toContain('void key_put(struct key *key);\n\nstatic void guru_call_key_put(const u64 *a)\n{\n\tkey_put((struct key *)(unsigned long)a[0]);\n}');
  expect(c).toMatch(/GURU_KERNEL_CALL\(guru_call_key_put, __call, 1, 0, 6\);/);
  expect(c).toContain('{ .ops = &guru_call_ops, .defs = NULL, .n = 0 }');
  expect(Object.keys(files)).toEqual(expect.arrayContaining(['guru_call.c', 'guru_call.h']));
});

test('send_sig to current->real_parent: the signal checked, the task pinned while a deferred call waits', () => {
  const p = plan(spec('kprobe:join_session_keyring', 'send_sig(SIGKILL, current->real_parent, 0)', 'send_sig(9, $task, 1)', 'send_sig(SIGTERM, @cast($task, "task_struct"), 0)'), { headersDir: headers });
  const calls = p.probes[0]!.actions;
  expect(calls.map((c) => c.k === 'kernelCall' && [c.name, c.pinTasks, c.args.map((a) => a.ctype)])).toEqual([
    ['send_sig', 2, ['int', 'struct task_struct *', 'int']],
    ['send_sig', 2, ['int', 'struct task_struct *', 'int']],
    ['send_sig', 2, ['int', 'struct task_struct *', 'int']],
  ]);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('\t(void)send_sig((int)a[0], (struct task_struct *)(unsigned long)a[1], (int)a[2]);');
  // One wrapper per function, however often it is called.
  expect(c.match(/static void guru_call_send_sig/g)).toHaveLength(1);
});

test("the prototype is compared by types: another parameter name in the kernel's BTF is the same function", () => {
  const call = plan(spec('kprobe:join_session_keyring', 'key_put($task->session_keyring)'), { btf: renamed }).probes[0]!.actions[0]!;
  expect(call).toMatchObject({ k: 'kernelCall', prototype: 'void key_put(struct key *key)' });
});

test('a module that calls nothing links no call runtime', () => {
  const files = renderModule(plan(spec('kprobe:join_session_keyring', 'log("%d", $task->pid)'))).files;
  expect(Object.keys(files)).not.toContain('guru_call.c');
  expect(files['probes.c']).not.toContain('guru_call.h');
});

test('every entry of the allow-list says why it is there, what to do instead, and which kinds may call it', () => {
  for (const e of KERNEL_CALLS) {
    expect(e.why.length).toBeGreaterThan(20);
    expect(e.hint.length).toBeGreaterThan(10);
    expect(e.refusedWhy.length).toBeGreaterThan(10);
    expect(e.prototype).toMatch(new RegExp(`\\b${e.name}\\(`));
    if (e.context === 'sleeps') expect(e.kinds).toEqual([]);
  }
});

test('refusals, located, with the reason and a hint', () => {
  const out = [
    diagnose(spec('kprobe:join_session_keyring', 'msleep(10)')),
    diagnose(`guru: 1\nname: calls\nprobes:\n  - on: begin\n    do: send_sig(SIGKILL, current, 0)\n`),
    diagnose(spec('kprobe:join_session_keyring', 'key_put($name)')),
    diagnose(spec('kprobe:join_session_keyring', 'key_put(5)')),
    diagnose(spec('kprobe:join_session_keyring', 'key_put($task->session_keyring, 1)')),
    diagnose(spec('kprobe:join_session_keyring', 'send_sig($task->pid, current, 0)')),
    diagnose(spec('kprobe:join_session_keyring', 'send_sig(70, current, 0)')),
    diagnose(spec('kprobe:join_session_keyring', 'key_put($task->session_keyring)'), { btf: changed }),
    diagnose(spec('kprobe:join_session_keyring', 'key_put($task->session_keyring)'), { headersDir: headers }),
    diagnose(spec('kprobe:join_session_keyring', 'kye_put($task->session_keyring)')),
    diagnose(`guru: 1\nname: calls\nprobes:\n  - on: kprobe:join_session_keyring\n    if: send_sig(9, current, 0) == 0\n`),
  ];
  expect(out.join('\n')).toMatchSnapshot();
});
