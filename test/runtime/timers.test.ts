// Timer probes (issue #10 step 2) in a real kernel, one boot, two sessions
// of a timer:200ms probe (test/fixtures/runtime/timer-knob.yaml):
//  - `--duration 2s`: it runs at least twice, never before its time (the
//    k-th run is at least k periods after the begin probe) and no more
//    often than the armed time allows (begin's and end's nsecs), and none
//    after the end probe;
//  - `--run` steps while armed: `guru set` of a param is what the next runs
//    print; `--disable-for` makes each run a counted miss until
//    `enabled=1`; the ticks counted by the end probe are exactly the runs
//    that logged, and the end probe's line is the last event.
// No assertion on speed: the steps wait on the module's own stats.
import { buildFor, describeOnFirstKernel, guruCommand, markers, runGuestScript, showFile } from '../helpers/guest.js';

const PERIOD_NS = 200_000_000;

interface Events {
  begin: number;
  ticks: { n: number; level: number; at: number }[];
  end: { ticks: number; at: number };
  lines: string[];
}

function parseEvents(text: string): Events {
  const lines = text.split('\n').filter(Boolean);
  const begin = /^begin at (\d+)$/.exec(lines[0] ?? '');
  const end = /^end after (\d+) ticks at (\d+)$/.exec(lines.at(-1) ?? '');
  if (!begin || !end) throw new Error(`events do not start with begin and end with end:\n${text}`);
  const ticks = lines.flatMap((l) => {
    const m = /^tick (\d+) level (\d+) at (\d+)$/.exec(l);
    return m ? [{ n: Number(m[1]), level: Number(m[2]), at: Number(m[3]) }] : [];
  });
  return { begin: Number(begin[1]), ticks, end: { ticks: Number(end[1]), at: Number(end[2]) }, lines };
}

/** The timer probe's row of the summary: hits, misses, writes, nmissed, faults. */
function timerRow(summary: string): number[] {
  const row = /^\s*1 timer:200ms\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/m.exec(summary);
  if (!row) throw new Error(`no timer:200ms row in the summary:\n${summary}`);
  return row.slice(1).map(Number);
}

describeOnFirstKernel((storedKernel) => {
  test('a timer probe runs every period while armed, reads knobs set while armed, and stops at disarm', async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'test/fixtures/runtime/timer-knob.yaml');
    const guru = guruCommand();
    const stats = '/sys/class/misc/guru_timer_knob/stats';
    // Probe 1's hits or misses, and a wait (at most 60 s) until one reaches a value.
    const steps = [
      `count() { sed -n "s/^probe 1 hits \\([0-9]*\\) misses \\([0-9]*\\) .*/\\\\$1/p" ${stats}; }`,
      'upto() { i=0; while [ "$(count $1)" -lt "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; }',
      'upto 1 1',
      `${guru} set timer_knob level=7 > /dev/null`,
      'upto 1 $(($(count 1) + 2))',
      `${guru} set timer_knob --disable-for 600s > /dev/null`,
      'upto 2 $(($(count 2) + 2))',
      `${guru} set timer_knob enabled=1 > /dev/null`,
      'upto 1 $(($(count 1) + 2))',
    ].join('\n');
    const run = await runGuestScript(
      kernel,
      [
        `${guru} apply ${ko} --duration 2s -o /tmp/ev1 2> /tmp/sum1; echo "[exit1:$?]<<"`,
        showFile('ev1', '/tmp/ev1'),
        showFile('sum1', '/tmp/sum1'),
        `cat > /tmp/steps.sh <<'STEPS'\n${steps}\nSTEPS`,
        `${guru} apply ${ko} -o /tmp/ev2 --run 'sh /tmp/steps.sh' 2> /tmp/sum2; echo "[exit2:$?]<<"`,
        showFile('ev2', '/tmp/ev2'),
        showFile('sum2', '/tmp/sum2'),
        `printf '[loaded:%s]<<\\n' "$(grep -c guru_timer_knob /proc/modules)"`,
      ].join('\n'),
      600_000,
    );
    const seen = markers(run.stdout);
    if (seen.get('exit1') !== '0' || seen.get('exit2') !== '0') throw new Error(`guru apply failed:\n${run.stdout.slice(-4000)}`);

    // --duration 2s: between 2 runs and what the armed time holds, each on time or later, none after end.
    const a = parseEvents(seen.get('ev1')!);
    expect(a.ticks.length).toBeGreaterThanOrEqual(2);
    expect(a.ticks.length).toBeLessThanOrEqual(Math.floor((a.end.at - a.begin) / PERIOD_NS));
    a.ticks.forEach((t, i) => {
      expect(t.n).toBe(i + 1);
      expect(t.at - a.begin).toBeGreaterThanOrEqual((i + 1) * PERIOD_NS);
      expect(t.at).toBeLessThan(a.end.at);
    });
    expect(a.end.ticks).toBe(a.ticks.length);
    expect(a.lines).toHaveLength(a.ticks.length + 2);
    expect(timerRow(seen.get('sum1')!).slice(0, 3)).toEqual([a.ticks.length, 0, 0]);

    // --run: the knob's new value from some run on, counted misses while disabled, nothing after end.
    const b = parseEvents(seen.get('ev2')!);
    const levels = b.ticks.map((t) => t.level);
    const firstSeven = levels.indexOf(7);
    expect(firstSeven).toBeGreaterThan(0);
    expect(levels.slice(0, firstSeven).every((l) => l === 1)).toBe(true);
    expect(levels.slice(firstSeven).every((l) => l === 7)).toBe(true);
    expect(b.lines.filter((l) => l.startsWith('guru: knob')).map((l) => l.replace(/, pid \d+/, ''))).toEqual([
      'guru: knob level: 1 -> 7 (guru set)',
      'guru: knob enabled: 1 -> 0 for 600 s (guru set --disable-for)',
      'guru: knob enabled: 0 -> 1 (guru set)',
    ]);
    const [hits, misses] = timerRow(seen.get('sum2')!);
    expect(misses).toBeGreaterThanOrEqual(2);
    expect(b.ticks.length).toBe(hits - misses);
    expect(b.ticks.map((t) => t.n)).toEqual(b.ticks.map((_, i) => i + 1));
    expect(b.end.ticks).toBe(b.ticks.length);
    expect(seen.get('sum2')).toContain('knobs: enabled=1 level=7 (3 changes while armed, in the events above)');
    expect(seen.get('loaded')).toBe('0');
  }, 900_000);
});
