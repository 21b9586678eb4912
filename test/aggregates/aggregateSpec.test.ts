// Maps and counters in specs: bpftrace's @name[key] = count() (and sum,
// avg, min, max, stats, hist, lhist), count("NAME"), maps: sizes. What the
// plan records, the C it emits, and the mistakes refused (snapshots of
// what guru check prints).
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { renderModule } from '../../src/render/renderModule.js';
import { manifestOf } from '../../src/render/manifest.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnosticBag.js';
import { formatDiagnostics } from '../../src/diagnostics/formatDiagnostic.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const spec = (body: string, head = ''): string => `guru: 1\nname: aggs\n${head}probes:\n${body}`;
const plan = (text: string) => buildPlan(parseSpec('spec.yaml', text), fakeKernelFacts());
const refused = (text: string): string => refusalText(() => plan(text));

test('bpftrace spellings, unquoted in YAML too, make the maps of the plan', () => {
  const p = plan(
    spec(
      [
        '  - on: syscall:write',
        '    do:',
        '      - @writes[comm] = count()',
        '      - @bytes[comm, pid] = sum($count)',
        '      - @ = count()',
        '      - "@sizes = hist($count)"',
        '      - "@lin[$fd] = lhist($count, 0, 100, 10)"',
        '      - count("write")',
        '      - count("write")',
        '  - on: syscall:read',
        '    do: [ "@writes[comm] = count()", count("read"), "@s[tid] = stats($count)", "@lo = min($count)", "@hi = max($count)", "@av = avg($count)" ]',
        '',
      ].join('\n'),
      'maps:\n  writes: { size: 64 }\n  "@bytes": 128\n',
    ),
  );
  expect(plan_maps(p)).toEqual([
    '@writes count [string16] cap 64',
    '@bytes sum [string16 int] cap 128',
    '@ count [] cap 1 slots ',
    '@sizes hist [] cap 1 slots ',
    '@lin lhist [int] cap 1024 lhist 0..100/10',
    'count() count [] cap 2 slots write,read',
    '@s stats [int] cap 1024',
    '@lo min [] cap 1 slots ',
    '@hi max [] cap 1 slots ',
    '@av avg [] cap 1 slots ',
  ]);
  const c = renderModule(p).files['probes.c']!;
  expect(c).toContain('guru_agg_key_begin(ctx);\n\tguru_agg_key_str(ctx, guru_comm(ctx, 0), 16);\n\tguru_agg_add(ctx, 0 /* @writes */, 1);');
  expect(c).toContain('guru_agg_key_int(ctx, (s64)guru_pid());\n\tguru_agg_add(ctx, 1 /* @bytes */, (s64)(u64)GURU_SYS_ARG(2));');
  expect(c).toContain('guru_agg_slot_add(ctx, 5 /* count() */, 1 /* "read" */, 1);');
  expect(c).toContain('{ .name = "@lin", .kind = GURU_AGG_LHIST, .key_size = 8, .nvals = 14, .capacity = 1024, .lmin = 0, .lstep = 10 }');
  expect(c).toContain('{ .ops = &guru_agg_ops, .defs = (void *)guru_agg_maps, .n = 10 }');
  expect(c).toContain('.agg_open = guru_agg_open,');
  expect(Object.keys(renderModule(p).files)).toEqual(expect.arrayContaining(['guru_agg.c', 'guru_agg.h']));
});

function plan_maps(p: ReturnType<typeof plan>): string[] {
  return (p.maps ?? []).map((m) =>
    [m.name, m.kind, `[${m.keys.map((k) => (k.type === 'int' ? 'int' : `string${k.size}`)).join(' ')}]`, `cap ${m.capacity}`, ...(m.slots ? [`slots ${m.slots.join(',')}`] : []), ...(m.lhist ? [`lhist ${m.lhist.min}..${m.lhist.max}/${m.lhist.step}`] : [])].join(' '),
  );
}

test('a spec without maps renders no aggregate runtime', () => {
  const p = plan(spec('  - on: syscall:write\n    do: log("x")\n'));
  expect(p.maps).toBeUndefined();
  const files = renderModule(p).files;
  expect(files['guru_agg.c']).toBeUndefined();
  expect(files['probes.c']).not.toContain('guru_agg_');
});

test('a str() key keeps 64 bytes, and a map keyed by comm and by str() takes the larger', () => {
  const p = plan(spec('  - on: syscall:openat\n    do: "@o[comm] = count()"\n  - on: syscall:openat\n    do: "@o[str($filename)] = count()"\n'));
  expect(plan_maps(p)).toEqual(['@o count [string64] cap 1024']);
  expect(renderModule(p).files['probes.c']).toContain('guru_agg_key_str(ctx, guru_comm(ctx, 0), 64);');
});

test('mistakes are refused with the place and a hint', () => {
  expect(
    refused(
      spec(
        [
          '  - on: syscall:write',
          '    do:',
          '      - "@a[comm] = count()"',
          '      - "@a[comm] = sum($count)"',
          '      - "@b[pid] = count()"',
          '      - "@b[comm] = count()"',
          '      - "@c = 5"',
          '      - "@d += 1"',
          '      - "@e++"',
          '      - count($fd)',
          '      - count()',
          '      - hist($count)',
          '      - "@f = count(1)"',
          '      - "@g = lhist($count, 10, 0, 1)"',
          '      - "@h = lhist($count, 0, 100000, 1)"',
          '      - log("%d", @a[comm])',
          '      - "@i[$$parms] = count()"',
          '      - "x = sum(1)"',
          '      - print(@a[comm])',
          '      - print(@a, 0)',
          '      - print(@a, $count)',
          '      - clear(@a, 1)',
          '      - print(@nobody)',
          '      - zero(@a)',
          '      - delete(@a[comm])',
          '',
        ].join('\n'),
        'vars:\n  x:\n',
      ),
    ),
  ).toMatchSnapshot();
});

test('maps: sizes are checked, and a size for a map nobody uses is a warning', () => {
  expect(refused(spec('  - on: syscall:write\n    do: "@w[comm] = count()"\n', 'maps:\n  w: { size: 0 }\n  "@x-y": 3\n  big: 100000\n  v: { capacity: 10, extra: 1 }\n'))).toMatchSnapshot();
  const bag = new DiagnosticBag();
  const text = spec('  - on: syscall:write\n    do: [ "@w[comm] = count()", "@t = count()" ]\n', 'maps:\n  unused: 10\n  t: 5\n');
  buildPlan(parseSpec('spec.yaml', text), fakeKernelFacts(), bag);
  expect(formatDiagnostics(bag.sorted(), text)).toMatchSnapshot();
});

test('print(@x), print(@x, N) and clear(@x) become records for the supervisor, also before the probe that fills the map', () => {
  const p = plan(
    spec(
      [
        '  - on: timer:1s',
        '    do: [ print(@opens), "print(@opens, 3)", clear(@opens), print(@), clear(@) ]',
        '  - on: syscall:openat',
        '    do: [ "@opens[comm] = count()", "@ = count()", count("x") ]',
        '',
      ].join('\n'),
    ),
  );
  const c = renderModule(p).files['probes.c']!;
  // Each statement is preceded by its #line; the calls come in the spec's order.
  const calls = c.split('\n').filter((l) => l.includes('guru_emit_map_op(')).map((l) => l.trim());
  expect(calls).toEqual([
    'guru_emit_map_op(ctx, 0 /* @opens */, GURU_MAP_PRINT, 0);',
    'guru_emit_map_op(ctx, 0 /* @opens */, GURU_MAP_PRINT, 3);',
    'guru_emit_map_op(ctx, 0 /* @opens */, GURU_MAP_CLEAR, 0);',
    'guru_emit_map_op(ctx, 1 /* @ */, GURU_MAP_PRINT, 0);',
    'guru_emit_map_op(ctx, 1 /* @ */, GURU_MAP_CLEAR, 0);',
  ]);
  expect(c).toContain('.agg_clear = guru_agg_clear,');
  expect(manifestOf(p).mapOps).toBe(true);
  expect(manifestOf(plan(spec('  - on: syscall:openat\n    do: "@o[comm] = count()"\n'))).mapOps).toBeUndefined();
});
