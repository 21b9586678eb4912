// examples/echo-one-byte.yaml in each test kernel: echo run by uid 1000
// writes exactly "h" wherever its output goes; other users and programs are
// untouched; rewritten syscall arguments never reach user space; 16 threads
// each get their own original count back.
import fs from 'node:fs';
import path from 'node:path';
import { AS_USER, buildFor, compileProgram, describeEachKernel, guruCommand, hostTempDir, markers, runGuestScript, showFile, waitArmed, type GuestRun } from '../helpers/guest.js';

describeEachKernel((storedKernel) => {
  let run: GuestRun;
  let seen: Map<string, string>;
  let dir: string;

  beforeAll(async () => {
    const kernel = await storedKernel();
    const ko = await buildFor(kernel, 'examples/echo-one-byte.yaml');
    dir = hostTempDir();
    const raw = await compileProgram('rawwrite.c', dir, 'rawwrite');
    const threads = await compileProgram('threads.c', dir, 'threads');
    const out = '/tmp/echo-out';
    const workload = path.join(dir, 'workload.sh');
    fs.writeFileSync(
      workload,
      [
        `mkdir -p ${out} && chmod 777 ${out}`,
        `${AS_USER} /bin/echo hello > ${out}/file`,
        `${AS_USER} /bin/echo hello | cat > ${out}/pipe`,
        `printf '[console:'; ${AS_USER} /bin/echo hello; printf ']<<\\n'`,
        `/bin/echo hello > ${out}/root`,
        `echo hello > ${out}/in.txt; ${AS_USER} cat ${out}/in.txt > ${out}/cat`,
        `${AS_USER} ${raw} > ${out}/raw.out 2> ${out}/raw.err; echo "exit $?" >> ${out}/raw.err`,
        `${AS_USER} ${threads} ${out}/threads.bin 100 > ${out}/threads.txt`,
      ].join('\n') + '\n',
    );
    const script = [
      `${guruCommand()} apply ${ko} -o /tmp/events --run 'sh ${workload}' 2> /tmp/summary`,
      `echo "[apply-exit:$?]<<"`,
      ...['file', 'pipe', 'root', 'cat', 'raw.out', 'raw.err', 'threads.txt'].map((f) => showFile(f, `${out}/${f}`)),
      showFile('events', '/tmp/events'),
      showFile('summary', '/tmp/summary'),
      `printf '[loaded:%s]<<\\n' "$(grep -c '^guru_' /proc/modules)"`,
    ].join('\n');
    run = await runGuestScript(kernel, script);
    seen = markers(run.stdout);
  }, 600_000);

  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test('the session ran and the module is gone afterwards', () => {
    expect(run.exitCode).toBe(0);
    expect(seen.get('apply-exit')).toBe('0');
    expect(seen.get('loaded')).toBe('0');
    expect(seen.get('summary')).toMatch(/events: (\d+) emitted = \1 delivered \+ 0 dropped/);
  });

  test('uid 1000 echo writes exactly "h" to a file, a pipe and the console', () => {
    expect(seen.get('file')).toBe('h');
    expect(seen.get('pipe')).toBe('h');
    expect(seen.get('console')).toBe('h');
  });

  test('root and other programs are untouched', () => {
    expect(seen.get('root')).toBe('hello\n');
    expect(seen.get('cat')).toBe('hello\n');
  });

  test('a raw syscall finds its argument registers unchanged while its count is clamped', () => {
    expect(seen.get('raw.out')).toBe('h');
    expect(seen.get('raw.err')).toBe('rawwrite: ret=6 rdi=1 rsi=same rdx=6\nexit 0\n');
  });

  test('16 threads writing at once each get their own original count back', () => {
    // 1600 writes of 2..17 bytes, each clamped to one byte and reported whole.
    expect(seen.get('threads.txt')).toBe('threads: 1600 writes, 0 mismatches, 1600 bytes in file\n');
  });

  test('the entry probe logged the clamped writes', () => {
    const events = seen.get('events')!;
    expect(events).toContain('count:1, buf:hello\n');
    expect(seen.get('summary')).toMatch(/0 syscall:write\s+\d+\s+\d+\s+[1-9]\d*/);
  });
});
