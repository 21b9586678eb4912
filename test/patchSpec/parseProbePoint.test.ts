// Every probe point spelling of docs/spec.md (guru, SystemTap, bpftrace)
// normalises to one ProbePoint, and guru's canonical spelling round-trips.
import {
  formatProbePoint,
  isProbePointError,
  parseProbePoint,
  type ProbePointError,
} from '../../src/probeFamilies/registry.js';
import type { ProbePoint } from '../../src/probeFamilies/registry.js';

const vfsRead: ProbePoint = { kind: 'kprobe', func: 'vfs_read', offset: 0 };
const vfsReadReturn: ProbePoint = { kind: 'kretprobe', func: 'vfs_read' };
const write: ProbePoint = { kind: 'syscall', name: 'write', ret: false };
const writeReturn: ProbePoint = { kind: 'syscall', name: 'write', ret: true };
const schedSwitch: ProbePoint = { kind: 'tracepoint', category: 'sched', event: 'sched_switch' };
const readline: ProbePoint = { kind: 'uprobe', path: '/bin/bash', func: 'readline', ret: false };
const readlineReturn: ProbePoint = { kind: 'uprobe', path: '/bin/bash', func: 'readline', ret: true };
const everySecond: ProbePoint = { kind: 'timer', periodMs: 1000 };
const every100ms: ProbePoint = { kind: 'timer', periodMs: 100 };

const spellings: Array<[column: string, text: string, expected: ProbePoint]> = [
  // guru
  ['guru', 'kprobe:vfs_read', vfsRead],
  ['guru', 'kprobe:vfs_read+0x1a', { kind: 'kprobe', func: 'vfs_read', offset: 0x1a }],
  ['guru', 'kprobe:vfs_read+26', { kind: 'kprobe', func: 'vfs_read', offset: 26 }],
  ['guru', 'kprobe:vfs_read+0', vfsRead],
  ['guru', 'kprobe:vfs_*', { kind: 'kprobe', func: 'vfs_*', offset: 0 }],
  ['guru', 'kprobe:__x64_sys_write', { kind: 'kprobe', func: '__x64_sys_write', offset: 0 }],
  ['guru', 'kprobe:foo.isra.0', { kind: 'kprobe', func: 'foo.isra.0', offset: 0 }],
  ['guru', 'kprobe:af_alg:af_alg_sendmsg', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 0, module: 'af_alg' }],
  ['guru', 'kprobe:af_alg:af_alg_sendmsg+0x4', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 4, module: 'af_alg' }],
  ['guru', 'kprobe:copy_strings@fs/exec.c', { kind: 'kprobe', func: 'copy_strings', offset: 0, file: 'fs/exec.c' }],
  ['guru', 'kretprobe:xfs:xfs_file_remap_range@fs/xfs/xfs_file.c', { kind: 'kretprobe', func: 'xfs_file_remap_range', module: 'xfs', file: 'fs/xfs/xfs_file.c' }],
  ['guru', 'kretprobe:vfs_read', vfsReadReturn],
  ['guru', 'kretprobe:do_sys_open*', { kind: 'kretprobe', func: 'do_sys_open*' }],
  ['guru', 'syscall:write', write],
  ['guru', 'syscall:write:return', writeReturn],
  ['guru', 'syscall:sysinfo', { kind: 'syscall', name: 'sysinfo', ret: false }],
  ['guru', 'statement:ksys_write@fs/read_write.c:615', { kind: 'statement', func: 'ksys_write', file: 'fs/read_write.c', line: 615 }],
  ['guru', 'tracepoint:sched:sched_switch', schedSwitch],
  ['guru', 'tracepoint:*:sched_switch', { kind: 'tracepoint', category: '*', event: 'sched_switch' }],
  ['guru', 'uprobe:/bin/bash:readline', readline],
  ['guru', 'uretprobe:/bin/bash:readline', readlineReturn],
  ['guru', 'ustatement:./trace:main@trace.c:36', { kind: 'ustatement', path: './trace', func: 'main', file: 'trace.c', line: 36 }],
  ['guru', 'begin', { kind: 'begin' }],
  ['guru', 'end', { kind: 'end' }],
  ['guru', 'timer:1s', everySecond],
  ['guru', 'timer:100ms', every100ms],
  ['guru', 'timer:1000ms', everySecond],
  ['guru', 'timer:10ms', { kind: 'timer', periodMs: 10 }],
  // SystemTap
  ['stap', 'kernel.function("vfs_read")', vfsRead],
  ['stap', 'kernel.function("vfs_read").call', vfsRead],
  ['stap', 'kernel.function("vfs_*")', { kind: 'kprobe', func: 'vfs_*', offset: 0 }],
  ['stap', 'kernel.function("vfs_read").return', vfsReadReturn],
  ['stap', 'kernel.function("copy_strings@fs/exec.c")', { kind: 'kprobe', func: 'copy_strings', offset: 0, file: 'fs/exec.c' }],
  ['stap', 'module("af_alg").function("af_alg_sendmsg")', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 0, module: 'af_alg' }],
  ['stap', 'module("af_alg").function("af_alg_sendmsg").return', { kind: 'kretprobe', func: 'af_alg_sendmsg', module: 'af_alg' }],
  ['stap', 'module("xfs").function("xfs_file_remap_range@fs/xfs/xfs_file.c")', { kind: 'kprobe', func: 'xfs_file_remap_range', offset: 0, module: 'xfs', file: 'fs/xfs/xfs_file.c' }],
  ['stap', 'module("*").function("af_alg_sendmsg")', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 0, module: '*' }],
  ['stap', 'module("xfs*").function("xfs_file_*").return', { kind: 'kretprobe', func: 'xfs_file_*', module: 'xfs*' }],
  ['stap', 'syscall.write', write],
  ['stap', 'syscall.write.return', writeReturn],
  ['stap', 'kernel.statement("SyS_write@fs/read_write.c:615")', { kind: 'statement', func: 'SyS_write', file: 'fs/read_write.c', line: 615 }],
  ['stap', 'kernel.trace("sched_switch")', { kind: 'tracepoint', category: '*', event: 'sched_switch' }],
  ['stap', 'kernel.trace("sched:sched_switch")', schedSwitch],
  ['stap', 'process("/bin/bash").function("readline")', readline],
  ['stap', 'process("/bin/bash").function("readline").call', readline],
  ['stap', 'process("/bin/bash").function("readline").return', readlineReturn],
  ['stap', 'process("./stap").function("main.traceme")', { kind: 'uprobe', path: './stap', func: 'main.traceme', ret: false }],
  ['stap', 'process("./trace").statement("main@code/talk/trace.c:36")', { kind: 'ustatement', path: './trace', func: 'main', file: 'code/talk/trace.c', line: 36 }],
  ['stap', 'begin', { kind: 'begin' }],
  ['stap', 'end', { kind: 'end' }],
  ['stap', 'timer.s(1)', everySecond],
  ['stap', 'timer.sec(1)', everySecond],
  ['stap', 'timer.ms(100)', every100ms],
  ['stap', 'timer.msec(100)', every100ms],
  // bpftrace
  ['bpftrace', 'k:vfs_read', vfsRead],
  ['bpftrace', 'k:vfs_read+0x1a', { kind: 'kprobe', func: 'vfs_read', offset: 0x1a }],
  ['bpftrace', 'kr:vfs_read', vfsReadReturn],
  ['bpftrace', 'kprobe:af_alg:af_alg_sendmsg', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 0, module: 'af_alg' }],
  ['bpftrace', 'kr:dccp:dccp_v4_connect', { kind: 'kretprobe', func: 'dccp_v4_connect', module: 'dccp' }],
  ['bpftrace', 'kprobe:*:af_alg_sendmsg', { kind: 'kprobe', func: 'af_alg_sendmsg', offset: 0, module: '*' }],
  ['bpftrace', 'kprobe:xfs*:xfs_file_*', { kind: 'kprobe', func: 'xfs_file_*', offset: 0, module: 'xfs*' }],
  ['bpftrace', 'kr:af_*:af_alg_sendmsg', { kind: 'kretprobe', func: 'af_alg_sendmsg', module: 'af_*' }],
  ['bpftrace', 'tracepoint:syscalls:sys_enter_write', { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write' }],
  ['bpftrace', 't:sched:sched_switch', schedSwitch],
  ['bpftrace', 'u:/bin/bash:readline', readline],
  ['bpftrace', 'ur:/bin/bash:readline', readlineReturn],
  ['bpftrace', 'BEGIN', { kind: 'begin' }],
  ['bpftrace', 'END', { kind: 'end' }],
  ['bpftrace', 'interval:s:1', everySecond],
  ['bpftrace', 'interval:ms:100', every100ms],
  ['bpftrace', 'interval:100ms', every100ms],
];

describe.each(spellings)('%s spelling %s', (_column, text, expected) => {
  test('normalises to the expected probe point', () => {
    expect(parseProbePoint(text)).toEqual(expected);
  });
  test("round-trips through guru's canonical spelling", () => {
    const canonical = formatProbePoint(expected);
    expect(parseProbePoint(canonical)).toEqual(expected);
    expect(formatProbePoint(parseProbePoint(canonical) as ProbePoint)).toBe(canonical);
  });
});

test.each<[ProbePoint, string]>([
  [{ kind: 'kprobe', func: 'foo', offset: 0x1a }, 'kprobe:foo+0x1a'],
  [vfsRead, 'kprobe:vfs_read'],
  [writeReturn, 'syscall:write:return'],
  [readlineReturn, 'uretprobe:/bin/bash:readline'],
  [{ kind: 'tracepoint', category: '*', event: 'sched_switch' }, 'tracepoint:*:sched_switch'],
  [everySecond, 'timer:1s'],
  [{ kind: 'timer', periodMs: 1500 }, 'timer:1500ms'],
  [{ kind: 'timer', periodMs: 60000 }, 'timer:60s'],
])('formatProbePoint(%j) is %s', (point, canonical) => {
  expect(formatProbePoint(point)).toBe(canonical);
});

function refusal(text: string): ProbePointError {
  const result = parseProbePoint(text);
  if (!isProbePointError(result)) throw new Error(`${text} was accepted as ${JSON.stringify(result)}`);
  return result;
}

// [text, part of the message, the text the error points at, part of the hint]
const refused: Array<[string, string, string, string]> = [
  ['', 'empty probe point', '', 'probe kinds'],
  ['kprobe:', 'missing function name', '', 'kprobe:FUNC'],
  ['kprobe', 'kprobe needs a target', 'kprobe', 'kprobe:FUNC'],
  ['kprobe:foo+', 'malformed offset', '', 'kprobe:foo+0x1a'],
  ['kprobe:foo+0x', 'malformed offset', '0x', 'hex (0x1a) or decimal (26)'],
  ['kprobe:foo+010', 'malformed offset', '010', 'without leading zeros'],
  ['kprobe:foo*+4', 'offset needs one function', '+4', 'kprobe:foo*'],
  ['kretprobe:foo+4', 'kretprobe takes no offset', '+4', 'kretprobe:foo'],
  ['kprobe:foo;bar', "';' is not allowed in a function name", ';', 'letters, digits'],
  ['kprobe:foo"', 'double quote', '"', 'generated C'],
  ["kprobe:foo'", 'single quote', "'", 'generated C'],
  ['kprobe:foo bar', 'a space cannot appear', ' ', 'generated C'],
  ['kprobe:foo\n', 'a newline cannot appear', '\n', 'generated C'],
  ['kprobe:foo\\x', 'backslash', '\\', 'generated C'],
  ['kprobe:fé', 'cannot appear', 'é', 'generated C'],
  ['kprobes:vfs_read', "unknown probe kind 'kprobes'", 'kprobes', 'did you mean kprobe?'],
  ['sycall:write', "unknown probe kind 'sycall'", 'sycall', 'did you mean syscall?'],
  ['fentry:vfs_read', 'not supported', 'fentry', 'kprobe:FUNC'],
  ['write', "'write' is not a probe point", 'write', 'syscall:write'],
  ['sys_write', "'sys_write' is not a probe point", 'sys_write', 'did you mean syscall:write?'],
  ['Begin', "'Begin' is not a probe point", 'Begin', 'did you mean begin?'],
  ['probe syscall.write', "drop SystemTap's 'probe' keyword", 'probe ', 'on: syscall.write'],
  ['syscall:', 'missing syscall name', '', 'syscall:NAME'],
  ['syscall:read*', 'wildcards are not allowed in syscall', '*', 'only kprobe and kretprobe'],
  ['syscall.*', 'wildcards are not allowed in syscall', '*', 'only kprobe and kretprobe'],
  ['syscall:sys_write', "not its kernel symbol 'sys_write'", 'sys_write', 'syscall:write'],
  ['syscall:__x64_sys_write:return', 'kernel symbol', '__x64_sys_write', 'write syscall:write:return'],
  ['syscall:SyS_write', 'kernel symbol', 'SyS_write', 'syscall:write'],
  ['syscall.sys_chmod.return', 'kernel symbol', 'sys_chmod', 'syscall.chmod.return'],
  ['syscall:Write', 'lowercase', 'Write', 'syscall:write'],
  ['syscall:write.return', "SystemTap's spelling", '.return', 'syscall:write:return'],
  ['syscall:write:entry', "unknown syscall probe suffix ':entry'", 'entry', 'write syscall:write'],
  ['syscall.write.entry', "unsupported suffix '.entry'", 'entry', 'syscall.write.return'],
  ['statement:ksys_write', "missing '@FILE:LINE'", '', 'statement:FUNC@FILE:LINE'],
  ['statement:@fs/read_write.c:615', 'missing function name', '@', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_write@fs/read_write.c', "missing ':LINE'", '', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_write@:615', 'missing source file', ':', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_write@fs/read_write.c:0', 'positive integer', '0', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_write@fs/read_write.c:x', 'positive integer', 'x', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_write@fs/read_write.c:', 'missing line number', '', 'statement:FUNC@FILE:LINE'],
  ['statement:ksys_*@fs/read_write.c:615', 'wildcards are not allowed in statement', '*', 'only kprobe'],
  ['kernel.statement("SyS_write@fs/read_write.c+3")', "missing ':LINE'", '', 'statement:FUNC@FILE:LINE'],
  ['tracepoint:sched', 'missing tracepoint category', 'sched', 'tracepoint:*:EVENT'],
  ['tracepoint:sched:', 'missing tracepoint event', '', 'tracepoint:CATEGORY:EVENT'],
  ['tracepoint:sched:sched_*', 'wildcards are not allowed in tracepoint', '*', ''],
  ['tracepoint:sched:sched-switch', "'-' is not allowed in a tracepoint name", '-', ''],
  ['uprobe:/bin/bash', "missing ':FUNC'", '', 'uprobe:PATH:FUNC'],
  ['uprobe::readline', 'missing binary path', ':', 'uprobe:PATH:FUNC'],
  ['uprobe:/bin/bash:', 'missing function name', '', 'uprobe:PATH:FUNC'],
  ['ustatement:main@trace.c:36', 'missing binary path', 'm', 'ustatement:PATH:FUNC@FILE:LINE'],
  ['timer:0s', 'at least 10ms', '0s', 'a timer needs a period'],
  ['timer:9ms', 'at least 10ms', '9ms', 'not sampling: e.g. timer:10ms'],
  ['interval:ms:1', 'at least 10ms', '1', 'timer:10ms'],
  ['timer:1', 'needs a unit', '', 'at least 10ms: timer:1s'],
  ['timer:100', 'needs a unit', '', 'timer:100ms or timer:100s'],
  ['timer:500us', "unsupported timer unit 'us'", 'us', 'shortest period is 10ms: timer:10ms'],
  ['timer:5m', "unsupported timer unit 'm'", 'm', 'timer:300s'],
  ['timer:1.5s', 'malformed timer period', '1.5s', 'timer:Ns'],
  ['timer:99999999999s', 'too long', '99999999999s', ''],
  ['interval:hz:99', "unsupported interval unit 'hz'", 'hz', 'interval:ms:100'],
  ['interval:s:x', 'malformed interval', 'x', 'interval:s:N'],
  ['timer.jiffies(5)', "unsupported timer unit 'jiffies'", 'jiffies', 'timer.ms(N)'],
  ['timer.s(0)', 'at least 10ms', '0', ''],
  ['timer.ms(5)', 'at least 10ms', '5', 'timer:10ms'],
  ['timer.s("1")', 'whole number', '1', 'timer.s(1)'],
  ['kernel.function("vfs_*@fs/read_write.c")', 'a file qualifier needs one function', '@fs/read_write.c', 'kprobe:vfs_*'],
  ['kernel.function("vfs_read@")', 'missing source file name', '', 'kprobe:FUNC'],
  ['kprobe::vfs_read', 'missing module name', ':', 'kprobe:FUNC'],
  ['kprobe:af.alg:af_alg_sendmsg', 'not allowed in a module name', '.', 'letters, digits, _ and -'],
  ['kprobe:af_*:af_alg_sendmsg+0x4', 'an offset needs one module', '+0x4', 'kprobe:af_*:af_alg_sendmsg'],
  ['kprobe:xfs*:xfs_file_remap_range@fs/xfs/xfs_file.c', 'a file qualifier needs one module', '@fs/xfs/xfs_file.c', 'name the module'],
  ['module("xfs*").function("xfs_file_remap_range@fs/xfs/xfs_file.c")', 'a file qualifier needs one module', '@fs/xfs/xfs_file.c', 'name the module'],
  ['module(af_alg).function("af_alg_sendmsg")', 'module needs the module name in quotes', 'module(af_alg)', 'module("af_alg")'],
  ['module("af_alg").statement("f@x.c:1")', 'unsupported SystemTap probe point module.statement', 'statement("f@x.c:1")', 'module("MOD").function'],
  ['kernel.function(vfs_read)', 'needs its argument in quotes', 'function(vfs_read)', ''],
  ['kernel.function("vfs_read"', "expected ')'", '', ''],
  ['kernel.function("vfs_read', 'unterminated string', '"vfs_read', ''],
  ['kernel.function("vfs_read").inline', "unsupported suffix '.inline'", 'inline', '.call or .return'],
  ['kernel.funtion("vfs_read")', 'unsupported SystemTap probe point kernel.funtion', 'funtion("vfs_read")', 'did you mean kernel.function?'],
  ['kernel.function("")', 'missing function name', '"', ''],
  ['kernel.trace("sched_*")', 'wildcards are not allowed in tracepoint', '*', ''],
  ['kernel.statement("ksys_write@fs/read_write.c:615").return', "unsupported suffix '.return'", 'return', 'takes no suffix'],
  ['process.function("readline")', 'process needs the binary path', 'process', ''],
  ['process("/bin/ba sh").function("readline")', 'a space cannot appear', ' ', 'generated C'],
  ['kernel.function("vfs_read");', "expected '.' or the end", ';', ''],
];

test.each(refused)('refuses %j', (text, message, culprit, hint) => {
  const error = refusal(text);
  expect(error.error).toContain(message);
  expect(error.length).toBeGreaterThanOrEqual(1);
  expect(text.slice(error.offset, error.offset + culprit.length)).toBe(culprit);
  if (culprit !== '') expect(error.length).toBe(culprit.length);
  if (culprit === '') expect(error.offset).toBeGreaterThanOrEqual(text.indexOf(':') + 1);
  expect(error.hint ?? '').toContain(hint);
});

test('user-space points with * parse: whether uprobes take wildcards is their family\'s to say', () => {
  expect(parseProbePoint('uprobe:/bin/bash:read*')).toEqual({ kind: 'uprobe', path: '/bin/bash', func: 'read*', ret: false });
  expect(parseProbePoint('process("/bin/*").function("read*")')).toEqual({ kind: 'uprobe', path: '/bin/*', func: 'read*', ret: false });
});

test("a family's spelling is all the parser needs: a new kind parses, formats and is hinted with no other change", async () => {
  const { probePointParser, fail } = await import('../../src/patchSpec/probePointSyntax.js');
  type PerfPoint = { kind: 'perf'; event: string };
  const perf = {
    points: ['perf'] as const,
    kindNames: ['perf'],
    colon: [{ prefixes: ['perf', 'pf'], shape: 'perf:EVENT', parse: (text: string, from: number) => (from === text.length ? fail('missing event', from, 1) : { kind: 'perf' as const, event: text.slice(from) }) }],
    systemTap: [{ head: 'perf', target: 'event', form: 'perf.event("EVENT")', parse: ({ target }: { target: { arg: { value: string } } }) => ({ kind: 'perf' as const, event: target.arg.value }) }],
    format: (p: PerfPoint) => `perf:${p.event}`,
  };
  const parser = probePointParser<PerfPoint>([perf]);
  expect(parser.parse('pf:cycles')).toEqual({ kind: 'perf', event: 'cycles' });
  expect(parser.parse('perf.event("cycles")')).toEqual({ kind: 'perf', event: 'cycles' });
  expect(parser.format({ kind: 'perf', event: 'cycles' })).toBe('perf:cycles');
  const unknown = parser.parse('kprobe:vfs_read');
  expect(isProbePointError(unknown) && unknown.hint).toContain('probe kinds: perf');
  // The registry's parser has every family's spelling; this one only its own.
  expect(isProbePointError(parseProbePoint('pf:cycles'))).toBe(true);
});
