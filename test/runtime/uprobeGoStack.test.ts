// Return probes on a Go function whose probed frames are live while the Go
// runtime moves and scans the goroutine stack (issue #14): the fixture
// test/fixtures/programs/gostack recurses DEPTH deep with 1 KiB frames in a
// fresh goroutine each round (so morestack copies the stack several times,
// walking every frame's return pc) and calls runtime.GC() at the bottom. A
// kernel uretprobe replaces each probed frame's return address with its
// trampoline, and the runtime dies on that pc ("unexpected return pc",
// exit 2); an entry uprobe on the first instruction fires twice for a call
// that grows the stack (morestack restarts the function). guru's Go return
// probes are uprobes on the function's ret instructions and its entry probe
// sits after the stack-check prologue (src/probeFamilies/uprobe/goSites.ts):
// the program runs as unprobed, and there is one entry and one return event
// per call, with the right results.
import fs from 'node:fs';
import { buildFor, describeOnFirstKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile } from '../helpers/guest.js';
import { buildGoProgram } from '../helpers/goProgram.js';

const DEPTH = 200;
const ROUNDS = 3;

/** Each round calls depth(DEPTH), which calls depth(DEPTH-1) ... depth(0). */
const CALLS = ROUNDS * (DEPTH + 1);

/** depth(n)'s result: 0 + 1 + ... + n. */
const sum = (n: number): number => (n * (n + 1)) / 2;

describeOnFirstKernel((storedKernel) => {
  test('entry and return probes on a recursive Go function that grows its stack and runs the GC: the program is unharmed, one event of each per call', async () => {
    const kernel = await storedKernel();
    const dir = hostTempDir();
    try {
      const program = await buildGoProgram('test/fixtures/programs/gostack', dir, 'gostack');
      fs.writeFileSync(
        `${dir}/spec.yaml`,
        `guru: 1
name: rt_uprobe_go_stack
probes:
  - on: process("${program}").function("main.depth")
    do: printf("enter %d\\n", $n)
  - on: process("${program}").function("main.depth").return
    do: printf("return %d %d\\n", $return, $sum)
`,
      );
      const ko = await buildFor(kernel, `${dir}/spec.yaml`);
      const run = await runGuestScript(
        kernel,
        [
          `${guruCommand()} apply ${ko} -o /tmp/events --run "${program} ${DEPTH} ${ROUNDS} > /tmp/out 2> /tmp/err; echo \\$? > /tmp/rc" 2> /tmp/summary`,
          `echo "[apply-exit:$?]<<"`,
          `${program} ${DEPTH} ${ROUNDS} > /tmp/unpatched`,
          showFile('rc', '/tmp/rc'),
          showFile('out', '/tmp/out'),
          showFile('err', '/tmp/err'),
          showFile('unpatched', '/tmp/unpatched'),
          showFile('summary', '/tmp/summary'),
          showFile('events', '/tmp/events'),
        ].join('\n'),
      );
      const seen = markers(run.stdout);
      const expected = Array.from({ length: ROUNDS }, (_, r) => `round ${r} depth ${DEPTH} sum ${sum(DEPTH)}\n`).join('');
      expect(seen.get('unpatched')).toBe(expected);
      expect({ exit: seen.get('apply-exit'), rc: seen.get('rc'), err: seen.get('err'), out: seen.get('out') }).toEqual({ exit: '0', rc: '0\n', err: '', out: expected });
      const events = (seen.get('events') ?? '').split('\n').filter((l) => l !== '');
      const entries = events.filter((l) => l.startsWith('enter '));
      const returns = events.filter((l) => l.startsWith('return '));
      expect({ entries: entries.length, returns: returns.length }).toEqual({ entries: CALLS, returns: CALLS });
      // Every n from DEPTH down to 0 is entered once a round, and returns n*(n+1)/2 ($return and the named result $sum alike).
      const count = (lines: string[]) => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
      const calls = Array.from({ length: DEPTH + 1 }, (_, n) => n);
      expect(count(entries)).toEqual(new Map(calls.map((n) => [`enter ${n}`, ROUNDS])));
      expect(count(returns)).toEqual(new Map(calls.map((n) => [`return ${sum(n)} ${sum(n)}`, ROUNDS])));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
