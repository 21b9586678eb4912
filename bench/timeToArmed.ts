// Time from command to armed probe, inside a guest: each tool started with
// a command it runs once its probes are attached (guru apply --run,
// bpftrace -c, staprun -c), which writes the guest clock; armed = that time
// minus the time just before the tool was started. Modules are built on the
// host beforehand (guru's from its cache, stap's with stap -p4), as a user
// who applies a built patch has them; bpftrace compiles its script itself,
// which is part of its time to armed.
//   guru apply (read-only)   kprobe:ksys_write if: comm == "nomatch" (bpftrace's work)
//   bpftrace                 bpftrace -e 'kprobe:ksys_write /comm == "nomatch"/ { @c = count(); }'
//   staprun (read-only)      stap's module for the same
//   guru apply (echo)        examples/echo-one-byte.yaml (argument and return rewrite)
//   staprun (echo, -g)       stap's guru-mode module for the same
// All conditions interleaved in each round, RUNS rounds, one boot.
// Target (issue #13): guru apply <= bpftrace.
//
// Usage: npm run build && node dist/bench/timeToArmed.js [--kernel debian:6.1] [--runs 5]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildModule } from '../src/kbuild/kbuild.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { headersKernelFacts } from '../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../src/kernelFacts/kernelTarget.js';
import { buildPlan } from '../src/plan/buildPlan.js';
import { parseSpec } from '../src/parseSpec.js';
import { readSpecFile } from '../src/pipeline.js';
import { projectRoot } from '../src/projectRoot.js';
import { runInVm } from '../src/vm/runInVm.js';
import { anchorRootInGuest } from './anchors/inAnchorRoot.js';
import { stapBuild } from './anchors/stapBuild.js';
import { median } from './median.js';
import { BPFTRACE_READ_ONLY, READ_ONLY_SPEC, STAP_READ_ONLY } from './overhead.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, Section } from './results/types.js';
import { STAP_ECHO } from './timeToModule.js';

export interface ArmedOptions {
  kernel: string;
  runs: number;
}

export async function measureTimeToArmed(opts: ArmedOptions): Promise<{ text: string; section: Section }> {
  const kernel = await ensureKernel(opts.kernel, { debuginfo: true });
  const target = storedKernelTarget(kernel);
  const facts = headersKernelFacts(target);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-bench-armed-'));
  try {
    const roFile = path.join(dir, 'bench_ro.yaml');
    fs.writeFileSync(roFile, READ_ONLY_SPEC);
    const roKo = (await buildModule(buildPlan(parseSpec(roFile, READ_ONLY_SPEC), facts), target)).koPath;
    const echoKo = (await buildModule(buildPlan(readSpecFile(path.join(projectRoot(), 'examples/echo-one-byte.yaml')), facts), target)).koPath;
    const stapRo = await stapBuild(kernel, STAP_READ_ONLY, { name: 'stap_ro', outDir: path.join(dir, 'stap') });
    const stapEcho = await stapBuild(kernel, STAP_ECHO, { name: 'stap_echo', guru: true, outDir: path.join(dir, 'stap') });
    fs.writeFileSync(path.join(dir, 'armed.sh'), `#!/bin/sh\ndate +%s%N > ${dir}/armed\n`, { mode: 0o755 });
    const guru = `${process.execPath} ${path.join(projectRoot(), 'bin/guru.js')}`;
    const conditions: { name: string; shell?: string; error?: string; vs?: string }[] = [
      { name: 'guru apply (read-only)', shell: `${guru} apply ${roKo} -o /dev/null --run ${dir}/armed.sh`, vs: 'bpftrace' },
      { name: 'bpftrace', shell: `anchor bpftrace -q -e '${BPFTRACE_READ_ONLY}' -c '/bin/sh ${dir}/armed.sh'` },
      { name: 'staprun (read-only)', shell: stapRo.ko && `anchor staprun -c ${dir}/armed.sh ${stapRo.ko}`, error: stapRo.error, vs: 'bpftrace' },
      { name: 'guru apply (echo)', shell: `${guru} apply ${echoKo} -o /dev/null --run ${dir}/armed.sh`, vs: 'bpftrace' },
      { name: 'staprun (echo, -g)', shell: stapEcho.ko && `anchor staprun -c ${dir}/armed.sh ${stapEcho.ko}`, error: stapEcho.error, vs: 'bpftrace' },
    ];
    const script = [
      anchorRootInGuest([dir]),
      `for r in $(seq ${opts.runs}); do`,
      ...conditions.flatMap((c, i) =>
        c.shell
          ? [`  rm -f ${dir}/armed; t0=$(date +%s%N)`, `  ${c.shell} > ${dir}/out 2>&1`, `  if [ -s ${dir}/armed ]; then echo "a ${i} $(( ($(cat ${dir}/armed) - t0) / 1000000 ))"; else echo "a ${i} fail"; sed 's/^/e ${i} /' ${dir}/out | tail -5; fi`]
          : [],
      ),
      'done',
    ].join('\n');
    const loadBefore = os.loadavg()[0]!;
    const r = await runInVm({ kernel, argv: ['sh', '-c', script], timeoutMs: 3_600_000, stdio: 'pipe', memMB: 2048 });
    const loadAfter = os.loadavg()[0]!;
    const out = r.stdout?.toString() ?? '';
    const ms: number[][] = conditions.map(() => []);
    const errors = new Map<number, string>();
    for (const m of out.matchAll(/^a (\d+) (\d+)$/gm)) ms[Number(m[1])]!.push(Number(m[2]));
    for (const m of out.matchAll(/^e (\d+) (.*)$/gm)) errors.set(Number(m[1]), `${errors.get(Number(m[1])) ?? ''}${m[2]}\n`);
    const rows: Measure[] = conditions.map((c, i) => ({
      name: c.name,
      samples: ms[i]!,
      vs: c.vs,
      note: c.error ? 'stap built no module (see notes)' : errors.has(i) ? `failed in the guest: ${errors.get(i)!.trim()}` : undefined,
    }));
    const i = (name: string): number => conditions.findIndex((c) => c.name === name);
    const guruMs = ms[i('guru apply (read-only)')]!;
    const btMs = ms[i('bpftrace')]!;
    const ratio = guruMs.length && btMs.length ? median(guruMs) / median(btMs) : undefined;
    const ref = `${opts.kernel} (${kernel.release})`;
    const section: Section = {
      title: `Time from command to armed on ${ref}`,
      how: [
        `in one guest boot under ${r.accel.toUpperCase()} (${r.accelReason}), ${opts.runs} rounds, every condition in each round: guest clock (date +%s%N) just before the tool starts to the moment the command it runs once armed (guru apply --run, bpftrace -c, staprun -c) writes the clock`,
        'modules built on the host beforehand (guru from its cache, stap with stap -p4); bpftrace compiles its script in the guest, part of its time; bpftrace and staprun run from the sid root (chroot), guru from the host\'s node over 9p',
        `read-only: kprobe:ksys_write for comm "nomatch" (bpftrace -e '${BPFTRACE_READ_ONLY}'); echo: examples/echo-one-byte.yaml and the same in stap -g (bench/timeToModule.ts)`,
        'wall time under TCG on a shared host: noisy; the load average is beside it',
      ],
      load: { before: loadBefore, after: loadAfter },
      tables: [{ caption: `command to armed, ${ref}`, unit: 'ms', digits: 0, rows }],
      targets: [
        {
          text: `guru apply <= bpftrace, command to armed (read-only case), ${opts.kernel}`,
          figure: ratio === undefined ? '-' : `${ratio.toFixed(2)}x (medians ${median(guruMs)} ms vs ${median(btMs)} ms)`,
          holds: ratio === undefined ? undefined : ratio <= 1,
          why: ratio === undefined ? (errors.get(i('bpftrace')) ?? errors.get(i('guru apply (read-only)')) ?? 'no figures') : undefined,
        },
      ],
      notes: [stapRo.error, stapEcho.error].filter((e): e is string => !!e).map((e) => `stap -p4 for ${kernel.release}:\n${e}`),
    };
    const text = [section.title, ...section.how.map((h) => `  ${h}`), `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`, '', ...formatTable(section.tables[0]!), '', ...section.targets.map((t) => `${t.text}: ${t.figure}: ${t.holds === undefined ? 'not measured' : t.holds ? 'holds' : 'DOES NOT HOLD'}`), ...section.notes].join('\n');
    return { text, section };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureTimeToArmed({ kernel: arg('kernel', 'debian:6.1'), runs: Number(arg('runs', '5')) })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
