// The user-space half of text values: kernel stacks named from kallsyms in
// guru's, SystemTap's and bpftrace's layouts, quoted strings, return codes,
// nested formats, and lines of several threads kept apart.
import { LineAssembler } from '../../src/apply/formatEvent.js';
import { KallsymsTable, parseKallsyms } from '../../src/apply/kernelSymbols.js';
import { quoteString, returnStr, showArg, showStack } from '../../src/apply/showLogArgs.js';
import type { GuruEvent } from '../../src/apply/decodeRecords.js';

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff81446ef0 T cap_ptrace_access_check',
  'ffffffff81446f80 t cap_ptrace_traceme',
  'ffffffff81449a50 T security_ptrace_access_check',
  'ffffffff81449a50 T security_ptrace_access_check_alias',
  'ffffffff81449aa0 D some_data',
  'ffffffff81449ab0 T security_ptrace_traceme',
  'ffffffffc0a01000 t dccp_v4_connect\t[dccp]',
  'ffffffffc0a01200 t dccp_v4_err\t[dccp]',
  '',
].join('\n');

const MODULES = 'dccp 135168 0 - Live 0xffffffffc0a01000\nxfs 2048000 1 - Live 0xffffffffc0b00000\n';

test('kallsyms: text symbols sorted, sizes up to the next symbol, modules named', () => {
  const entries = parseKallsyms(KALLSYMS);
  expect(entries.map((e) => e.name)).toEqual(['_stext', 'cap_ptrace_access_check', 'cap_ptrace_traceme', 'security_ptrace_access_check', 'security_ptrace_access_check_alias', 'security_ptrace_traceme', 'dccp_v4_connect', 'dccp_v4_err']);
  const t = new KallsymsTable(() => KALLSYMS, () => MODULES);
  expect(t.lookup(0xffffffff81446ef1n)).toEqual({ name: 'cap_ptrace_access_check', offset: 1n, size: 0x90n, module: undefined });
  // Two names at one address: the first listed; the size skips to the next address.
  expect(t.lookup(0xffffffff81449a82n)).toEqual({ name: 'security_ptrace_access_check', offset: 0x32n, size: 0x60n, module: undefined });
  expect(t.lookup(0xffffffffc0a01010n)).toEqual({ name: 'dccp_v4_connect', offset: 0x10n, size: 0x200n, module: 'dccp' });
  // A module's last function: its size is not known, it ends where the module does.
  expect(t.lookup(0xffffffffc0a01208n)).toEqual({ name: 'dccp_v4_err', offset: 8n, size: undefined, module: 'dccp' });
  expect(t.lookup(0xffffffffc0a01000n + 0x21000n)).toBeUndefined();
  expect(t.lookup(0x1000n)).toBeUndefined();
});

test('kallsyms is read once, and again when an address is not in it (a module loaded since)', () => {
  let reads = 0;
  const later = KALLSYMS + 'ffffffffc0b00000 t xfs_file_remap_range\t[xfs]\nffffffffc0b00100 t xfs_other\t[xfs]\n';
  const t = new KallsymsTable(() => (++reads === 1 ? KALLSYMS : later), () => MODULES);
  expect(t.lookup(0xffffffff81446ef1n)?.name).toBe('cap_ptrace_access_check');
  expect(t.lookup(0xffffffff81446ef2n)?.name).toBe('cap_ptrace_access_check');
  expect(reads).toBe(1);
  expect(t.lookup(0xffffffffc0b00004n)).toMatchObject({ name: 'xfs_file_remap_range', module: 'xfs' });
  expect(reads).toBe(2);
});

test('kallsyms without addresses (kptr_restrict) is noticed', () => {
  const t = new KallsymsTable(() => '0000000000000000 T _stext\n0000000000000000 T vfs_read\n', () => '');
  expect(t.lookup(0xffffffff81000000n)).toBeUndefined();
  expect(t.hidden).toBe(true);
});

const symbols = new KallsymsTable(() => KALLSYMS, () => MODULES);
const frames = [0xffffffff81446ef1n, 0xffffffff81449a82n, 0xffffffffc0a01010n, 0xffffffff90000000n];

test('a stack in each layout', () => {
  expect(showStack(frames, 'systemtap', symbols)).toBe(
    [
      ' 0xffffffff81446ef1 : cap_ptrace_access_check+0x1/0x90 [kernel]',
      ' 0xffffffff81449a82 : security_ptrace_access_check+0x32/0x60 [kernel]',
      ' 0xffffffffc0a01010 : dccp_v4_connect+0x10/0x200 [dccp]',
      ' 0xffffffff90000000',
      '',
    ].join('\n'),
  );
  // bpftrace: a new line first, 8 spaces, decimal offsets; as printf("[%s]", kstack) shows it.
  expect(`[${showStack(frames, 'bpftrace', symbols)}]`).toBe('[\n        cap_ptrace_access_check+1\n        security_ptrace_access_check+50\n        dccp_v4_connect+16\n        ffffffff90000000\n]');
  expect(showStack(frames.slice(0, 2), 'raw', symbols)).toBe('\nffffffff81446ef1\nffffffff81449a82\n');
  expect(showStack([], 'bpftrace', symbols)).toBe('');
});

test('quoted strings, return codes and nested formats', () => {
  const ctx = { symbols, errnoNames: { '1': 'EPERM', '13': 'EACCES' } };
  expect(quoteString('anaconda-ks.cfg')).toBe('"anaconda-ks.cfg"');
  expect(quoteString('a"b\\c\n\t\x01é')).toBe('"a\\"b\\\\c\\n\\t\\001\\303\\251"');
  expect(showArg({ quoted: true }, [0x140110b0n, 'anaconda-ks.cfg'], 0, ctx)).toEqual({ value: '"anaconda-ks.cfg"', next: 2 });
  expect(showArg({ quoted: true }, [0n, null], 0, ctx).value).toBe('NULL');
  expect(showArg({ quoted: true }, [0xdeadn, null], 0, ctx).value).toBe('0xdead');
  expect(returnStr(-13n, 1, ctx.errnoNames)).toBe('-13 (EACCES)');
  expect(returnStr(-4095n, 1, ctx.errnoNames)).toBe('-4095');
  expect(returnStr(0n, 1, ctx.errnoNames)).toBe('0');
  expect(returnStr(511n, 2, ctx.errnoNames)).toBe('0x1ff');
  expect(returnStr(511n, 3, ctx.errnoNames)).toBe('0777');
  // argstr of chmod("anaconda-ks.cfg", 0777), then $$vars.
  const argstr = { sprintf: '%s, %#o', args: [{ quoted: true as const }, 'int' as const] };
  expect(showArg(argstr, [0x140110b0n, 'anaconda-ks.cfg', 0o777n], 0, ctx)).toEqual({ value: '"anaconda-ks.cfg", 0777', next: 3 });
  expect(showArg({ sprintf: 'filename=%p mode=%p', args: ['int', 'int'] }, [0x140110b0n, 0x1ffn], 0, ctx).value).toBe('filename=0x140110b0 mode=0x1ff');
  expect(showArg({ indent: true }, [12n, 'cat', 77n, 3n], 0, ctx).value).toBe('    12 cat(77):  ');
  expect(showArg({ stack: 'bpftrace', limit: 1 }, [frames], 0, ctx).value).toBe('\n        cap_ptrace_access_check+1\n');
});

const log = (tid: number): GuruEvent => ({ type: 'log', format: 0, probe: 0, parts: [], cpu: 0, pid: tid, tid, nsecs: 0n });
const fault = (tid: number): GuruEvent => ({ type: 'fault', probe: 0, kind: 'k', line: 1, addr: 0n, cpu: 0, pid: tid, tid, nsecs: 0n });

test('printf() text waits for the rest of its line from the same thread', () => {
  const lines = new LineAssembler();
  expect(lines.event(1, log(1), 'cap_ptrace -> ')).toBe('');
  expect(lines.event(2, log(2), '__ptrace_may_access -> ')).toBe('');
  expect(lines.event(2, log(2), '-1 (EPERM)\n')).toBe('__ptrace_may_access -> -1 (EPERM)\n');
  expect(lines.event(1, log(1), '0\nnext')).toBe('cap_ptrace -> 0\n');
  // guru's own lines start on a line of their own.
  expect(lines.event(1, fault(1), 'guru: fault\n')).toBe('next\nguru: fault\n');
  expect(lines.event(3, log(3), 'unfinished')).toBe('');
  expect(lines.flush()).toBe('unfinished\n');
  expect(lines.flush()).toBe('');
});

test('a tracepoint\'s stack is shown from where the event fired, past perf\'s delivery', () => {
  const t = new KallsymsTable(
    () => ['ffffffff81100000 T __perf_event_overflow', 'ffffffff81100100 T perf_tp_event', 'ffffffff81100200 T perf_syscall_enter', 'ffffffff81200000 t syscall_trace_enter.constprop.0', 'ffffffff81200400 T do_syscall_64', 'ffffffff81200500 T other'].join('\n'),
    () => '',
  );
  const addrs = [0xffffffff811000e5n, 0xffffffff81100103n, 0xffffffff81100210n, 0xffffffff81200183n, 0xffffffff8120043en];
  expect(showArg({ stack: 'bpftrace' }, [addrs], 0, { symbols: t, errnoNames: {}, tracepoint: true }).value).toBe('\n        syscall_trace_enter.constprop.0+387\n        do_syscall_64+62\n');
  expect(showArg({ stack: 'bpftrace', limit: 1 }, [addrs], 0, { symbols: t, errnoNames: {} }).value).toBe('\n        __perf_event_overflow+229\n');
});
