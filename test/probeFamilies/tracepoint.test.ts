// The tracepoint family: fields resolved as $field and args->field, typed
// as the event's format says, read-only with a located message; events
// found by name alone (kernel.trace) or refused with the nearest; the
// catalog of the stored kernels' images agrees with their BTF for every
// event; guru list -v shows fields and types.
import { execa } from 'execa';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { provideTracepointCatalog, tracepointCatalog } from '../../src/probeFamilies/tracepoint/catalog.js';
import type { TracepointCatalog } from '../../src/probeFamilies/tracepoint/types.js';
import { renderModule } from '../../src/render/renderModule.js';
import { debian612Kernel, debianKernel, testKernel } from '../helpers/guest.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { SYS_ENTER_READ } from '../helpers/fakeTracepoints.js';
import { refusalText } from '../helpers/specRefusal.js';

const CATALOG: TracepointCatalog = {
  source: 'a test catalog',
  events: [
    {
      category: 'sched',
      event: 'sched_switch',
      fixedSize: 64,
      fields: [
        { name: 'prev_comm', type: 'char[16]', offset: 8, size: 16, signed: true, layout: 'array' },
        { name: 'prev_pid', type: 'pid_t', offset: 24, size: 4, signed: true, layout: 'value' },
        { name: 'prev_state', type: 'long', offset: 32, size: 8, signed: true, layout: 'value' },
        { name: 'next_comm', type: 'char[16]', offset: 40, size: 16, signed: true, layout: 'array' },
      ],
    },
    SYS_ENTER_READ,
    { category: 'sched', event: 'sched_process_exec', fixedSize: 20, fields: [{ name: 'filename', type: '__data_loc char[]', offset: 8, size: 4, signed: false, layout: 'dataLoc' }] },
    { category: 'one', event: 'twin', fixedSize: 8, fields: [] },
    { category: 'two', event: 'twin', fixedSize: 8, fields: [] },
  ],
};

function facts() {
  const f = fakeKernelFacts(['vfs_read']);
  provideTracepointCatalog(f, CATALOG);
  return f;
}

function spec(probes: string) {
  return parseSpec('tp.yaml', `guru: 1\nname: tp\nprobes:\n${probes}`);
}

test('fields are typed targets; text fields are strings; args->f and args.f are $f', () => {
  const plan = buildPlan(
    spec(
      '  - on: tracepoint:syscalls:sys_enter_read\n    if: args->count > 1\n    do:\n      - log("%d %s %d", args.fd, user_string($buf), $__syscall_nr)\n' +
        '  - on: kernel.trace("sched_switch")\n    do:\n      - log("%s %d %s", $prev_comm, $prev_pid, $next_comm)\n' +
        '  - on: t:sched:sched_process_exec\n    do:\n      - log("%s", $filename)\n',
    ),
    facts(),
  );
  expect(plan.probes.map((p) => (p.kind === 'tracepoint' ? `${p.category}:${p.event}/${p.fixedSize}` : p.kind))).toEqual(['syscalls:sys_enter_read/40', 'sched:sched_switch/64', 'sched:sched_process_exec/20']);
  const c = renderModule(plan).files['probes.c']!;
  // fd is an unsigned int in an 8-byte slot: read as u32.
  expect(c).toContain('(s64)(u32)GURU_RECORD(u32, 16)');
  expect(c).toContain('GURU_USER_STRING(0, (s64)(unsigned long)GURU_RECORD(unsigned long, 24)');
  // Text is copied out of the record, bounded by the field and the record: a char[16], a __data_loc.
  expect(c).toContain('GURU_RECORD_ARRAY_STRING(0, 8, 16, 16)');
  expect(c).toContain('GURU_RECORD_LOC_STRING(0, 8, false, 256)');
  // One perf counter set per event, handed to the probes in spec order.
  expect(c).toMatch(/\.system = "sched",\s+\.event = "sched_switch",\s+\.min_size = 64,/);
  expect(renderModule(plan).files['Kbuild']).toContain('probes.o guru_runtime.o guru_tracepoint.o');
  expect(Object.keys(renderModule(plan).files).sort()).toEqual(['Kbuild', 'guru_runtime.c', 'guru_runtime.h', 'guru_tracepoint.c', 'guru_tracepoint.h', 'probes.c']);
});

test('writes are refused with a located message, unknown fields and events get the nearest name', () => {
  expect(
    refusalText(() =>
      buildPlan(
        spec(
          '  - on: tracepoint:syscalls:sys_enter_read\n    do:\n      - $count = 1\n      - args->fd = 0\n      - log("%d", $cont)\n' +
            '  - on: tracepoint:sched:sched_swich\n' +
            '  - on: kernel.trace("twin")\n' +
            '  - on: tracepoint:sched:sched_switch\n    do:\n      - log("%d", $return)\n',
        ),
        facts(),
      ),
    ),
  ).toMatchSnapshot();
});

test('the stored kernels: every field offset read from the image is the one BTF gives the event struct', async () => {
  // 7.3's System.map types its event tables t/T (6.x: d/D); they were read as no symbol, the names as garbage.
  for (const kernel of [await debianKernel(), await debian612Kernel(), await testKernel('debian:7.3')]) {
    const f = headersKernelFacts(storedKernelTarget(kernel));
    const catalog = tracepointCatalog(f, false);
    const btf = f.btf!()!;
    let checked = 0;
    for (const e of catalog.events) {
      if (!e.btfStruct) continue;
      for (const field of e.fields) {
        const member = field.layout === 'dataLoc' ? `__data_loc_${field.name}` : field.layout === 'relLoc' ? `__rel_loc_${field.name}` : field.name;
        const m = btf.member(e.btfStruct, member);
        expect({ event: `${e.category}:${e.event}`, field: field.name, offset: m?.offset }).toEqual({ event: `${e.category}:${e.event}`, field: field.name, offset: field.offset });
        checked++;
      }
    }
    expect(catalog.events.length).toBeGreaterThan(1000);
    expect(catalog.events.filter((e) => !/^[A-Za-z0-9_]+$/.test(e.event)).map((e) => `${kernel.release} ${e.category}:${e.event}`)).toEqual([]);
    expect(checked).toBeGreaterThan(2000);
    expect(catalog.events.filter((e) => e.category === 'syscalls').length).toBeGreaterThan(500);
  }
}, 120_000);

test("guru list -v 'tracepoint:syscalls:*read*' shows each event's fields and types", async () => {
  const { stdout } = await execa('node', ['bin/guru.js', 'list', '-v', 'tracepoint:syscalls:*read*', '--kernel', 'debian:6.1']);
  const entry = stdout.split(/\n(?=tracepoint:)/).find((e) => e.startsWith('tracepoint:syscalls:sys_enter_read\n'))!;
  expect(entry.split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual([
    'tracepoint:syscalls:sys_enter_read',
    '$__syscall_nr int',
    '$fd unsigned int',
    '$buf char *',
    '$count size_t',
  ]);
  expect(stdout).toMatch(/^tracepoint:syscalls:sys_exit_read\n\s+\$__syscall_nr\s+int\n\s+\$ret\s+long$/m);
  const plain = await execa('node', ['bin/guru.js', 'list', 'kernel.trace("sched_*")', '--kernel', 'debian:6.1']);
  expect(plain.stdout.split('\n')).toContain('tracepoint:sched:sched_switch');
}, 60_000);
