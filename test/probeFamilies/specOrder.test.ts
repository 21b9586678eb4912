// Probes on one function share one kernel probe, whose handler runs them in
// the order the spec lists them (the kernel runs kprobes at one address
// newest first); the VM test is test/runtime/specOrder.test.ts.
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { manifestOf } from '../../src/render/manifest.js';
import { renderModule } from '../../src/render/renderModule.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';

test('two kprobes and two kretprobes on ksys_write: one kernel probe each, handlers in spec order', () => {
  const spec = parseSpec(
    'order.yaml',
    'guru: 1\nname: order\nprobes:\n' +
      ['kprobe:ksys_write', 'kretprobe:ksys_write', 'kprobe:ksys_write', 'kprobe:ksys_write+0x4', 'kretprobe:ksys_write'].map((on) => `  - on: ${on}\n    do: [ 'log("x")' ]\n`).join(''),
  );
  const c = renderModule(buildPlan(spec, fakeKernelFacts(['ksys_write']))).files['probes.c']!;
  expect(c).toContain('static int kp0_ksys_write_pre(struct kprobe *p, struct pt_regs *regs)\n{\n\tprobe0_kprobe_ksys_write(regs, kp0_ksys_write.addr);\n\tprobe2_kprobe_ksys_write(regs, kp0_ksys_write.addr);\n\treturn 0;\n}');
  expect(c).toContain('static int krp1_ksys_write_return(struct kretprobe_instance *ri, struct pt_regs *regs)\n{\n\tprobe1_kretprobe_ksys_write(regs, guru_ri_data(ri), krp1_ksys_write.addr);\n\tprobe4_kretprobe_ksys_write(regs, guru_ri_data(ri), krp1_ksys_write.addr);\n\treturn 0;\n}');
  // Its entry follows a call if either return probe's where: holds.
  expect(c).toContain('if (!(probe1_kretprobe_ksys_write_where() || probe4_kretprobe_ksys_write_where())) {');
  // The offset probe is another address: its own kprobe.
  expect(c).toMatch(/static struct guru_kprobe kp3_ksys_write = \{\n\t\.symbol_name = "ksys_write",\n\t\.offset = 0x4,/);
  expect(c.match(/static struct guru_kprobe kp\d_\w+ = \{/g)).toHaveLength(2);
  expect(c.match(/static struct guru_kretprobe krp\d_\w+ = \{/g)).toHaveLength(1);
  expect(c).toMatch(/\{ \.label = "kprobe:ksys_write", \.kp = &kp0_ksys_write \},\n\t\{ \.label = "kretprobe:ksys_write", \.krp = &krp1_ksys_write \},\n\t\{ \.label = "kprobe:ksys_write", \.kp = &kp0_ksys_write \}/);
});

test("a wildcard's match on a named probe's function joins its kernel probe, in spec order; matches only wildcards reach share one too", () => {
  const spec = parseSpec(
    'order.yaml',
    'guru: 1\nname: order\nprobes:\n' +
      ['kprobe:ksys_*', 'kprobe:ksys_write', 'kprobe:ksys_*', 'kprobe:*_read'].map((on) => `  - on: ${on}\n    do: [ 'log("x")' ]\n`).join(''),
  );
  const plan = buildPlan(spec, fakeKernelFacts(['ksys_write', 'ksys_read', 'vfs_read']));
  const c = renderModule(plan).files['probes.c']!;
  // ksys_write: the named probe's place, so registered all or nothing; probes 0, 1, 2 in spec order.
  expect(c).toMatch(/static int kp0_0_ksys_read_pre[\s\S]*?probe0_kprobe_ksys_m0\(regs, kp0_0_ksys_read\.addr\);\n\tprobe2_kprobe_ksys_m0\(regs, kp0_0_ksys_read\.addr\);\n\tprobe3_kprobe_read_m0\(regs, kp0_0_ksys_read\.addr\);\n\treturn 0;/);
  expect(c).toMatch(/static int kp0_1_ksys_write_pre[\s\S]*?probe0_kprobe_ksys_m1\(regs, kp0_1_ksys_write\.addr\);\n\tprobe1_kprobe_ksys_write\(regs, kp0_1_ksys_write\.addr\);\n\tprobe2_kprobe_ksys_m1\(regs, kp0_1_ksys_write\.addr\);\n\treturn 0;/);
  expect(c.match(/static struct guru_kprobe kp\w+ = \{/g)).toEqual(['static struct guru_kprobe kp0_0_ksys_read = {', 'static struct guru_kprobe kp0_1_ksys_write = {', 'static struct guru_kprobe kp3_1_vfs_read = {']);
  expect(c).toContain('guru_kprobes[] = {\n\t&kp0_1_ksys_write,\n};');
  expect(c).toContain('guru_wild_kprobes[] = {\n\t&kp0_0_ksys_read,\n\t&kp3_1_vfs_read,\n};');
  // The named probe's nmissed is the shared kprobe's; the wildcards file names ksys_read's by probe 0's match 0.
  expect(c).toMatch(/\{ \.label = "kprobe:ksys_write", \.kp = &kp0_1_ksys_write \}/);
  expect(c).toMatch(/static struct guru_kprobe kp0_0_ksys_read = \{[^}]*\.probe = 0,\n\t\.match = 0,/);
  expect(manifestOf(plan).probes.map((p) => [p.id, p.sharedMatches])).toEqual([
    [0, [{ match: 1 }]],
    [1, undefined],
    [2, [{ match: 0, owner: { probe: 0, match: 0 } }, { match: 1 }]],
    [3, [{ match: 0, owner: { probe: 0, match: 0 } }]],
  ]);
});

test("probes of several families at one address share one kprobe, in spec order (src/render/sharedKprobes.ts)", () => {
  const spec = parseSpec(
    'order.yaml',
    'guru: 1\nname: order\nprobes:\n' +
      ['syscall:write', 'kprobe:__x64_sys_write', 'kprobe:__x64_sys_*', 'syscall:write', 'syscall:read', 'syscall:getpid', 'syscall:getpid:return'].map((on) => `  - on: ${on}\n    do: [ 'log("x")' ]\n`).join(''),
  );
  const plan = buildPlan(spec, fakeKernelFacts(['__x64_sys_write', '__x64_sys_read', '__x64_sys_getpid']));
  const c = renderModule(plan).files['probes.c']!;
  // write(2)'s wrapper: the syscall family's probes, the kprobe and the wildcard's match, in spec order, in one kprobe.
  expect(c).toContain(
    'static int at_x64_sys_write_pre(struct kprobe *p, struct pt_regs *regs)\n{\n\tunsigned long addr = at_x64_sys_write.addr;\n\tstruct guru_sys_call call;\n\n\tif (!guru_is_armed())\n\t\treturn 0;\n' +
      '\tguru_sys_begin(&call, regs, NULL);\n\tprobe0_syscall_write(regs, &call, addr);\n\tprobe1_kprobe_x64_sys_write(regs, addr);\n\tprobe2_kprobe_x64_sys_m2(regs, addr);\n\tprobe3_syscall_write(regs, &call, addr);\n\treturn 0;\n}',
  );
  // read(2)'s: the wildcard's match and syscall:read (listed later), in spec order.
  expect(c).toMatch(/static int at_x64_sys_read_pre[\s\S]*?\tprobe2_kprobe_x64_sys_m1\(regs, addr\);\n\tprobe4_syscall_read\(regs, &call, addr\);\n\treturn 0;/);
  // getpid has a return probe: its kretprobe's entry runs the entry probe, beside the wildcard's own kprobe (not covered).
  expect(c).toContain('static struct guru_kretprobe sys_getpid_krp = {');
  expect(c.match(/static struct guru_kprobe \w+ = \{/g)).toEqual(['static struct guru_kprobe at_x64_sys_write = {', 'static struct guru_kprobe at_x64_sys_read = {', 'static struct guru_kprobe kp2_0_x64_sys_getpid = {']);
  // Shared places are registered all or nothing; the named probes' nmissed is the shared kprobe's.
  expect(c).toContain('guru_kprobes[] = {\n\t&at_x64_sys_write,\n\t&at_x64_sys_read,\n};');
  expect(c).toContain('guru_wild_kprobes[] = {\n\t&kp2_0_x64_sys_getpid,\n};');
  expect(c).toMatch(/\{ \.label = "syscall:write", \.kp = &at_x64_sys_write \},\n\t\{ \.label = "kprobe:__x64_sys_write", \.kp = &at_x64_sys_write \}/);
  // The wildcard's matches on read and write are probed whenever the module arms (no owner in the wildcards file).
  expect(manifestOf(plan).probes[2]!.sharedMatches).toEqual([{ match: 1 }, { match: 2 }]);
});
