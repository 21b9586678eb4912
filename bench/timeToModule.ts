// Time to module: `guru build` of echo-one-byte against `stap -p4` of the
// same patch in SystemTap's guru mode (-g), and a bare kbuild of an empty
// module, for one stored kernel. Every condition is a whole process as a
// user runs it, RUNS times, interleaved round by round (so load from other
// processes falls on all alike):
//   bare        make -C KDIR M=<fresh dir> modules, MODULE_LICENSE only (guru's
//               own make wrapper where the kernel builds in a build root)
//   guru cold   guru build with an empty GURU_CACHE: the runtime compiles too
//   guru new    a spec new to a per-kernel tree another spec was built in
//   guru warm   the same build again: a cache hit
//   stap cold   stap -v -p4 -g with an empty SYSTEMTAP_DIR (its cache: it then also
//               runs its kernel feature tests, stapconf, as guru cold compiles its runtime)
//   stap new    the script edited, stap's cache kept (stap compiles its whole
//               runtime into every new module: no per-kernel object to reuse)
//   stap warm   the same script again: stap's cache hit (passes 1-2 still run)
// stap runs in the sid root (bench/anchors); its pass times come from -v.
// Target (issue #13): guru cold <= 0.3x stap cold.
//
// Usage: npm run build && node dist/bench/timeToModule.js [--kernel debian:6.1] [--runs 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRootCommand } from '../src/kbuild/buildRootMake.js';
import { ensureKernel } from '../src/kernelStore/ensureKernel.js';
import { projectRoot } from '../src/projectRoot.js';
import { stapBuild, type StapBuild } from './anchors/stapBuild.js';
import { median } from './median.js';
import { formatTable } from './results/formatResults.js';
import type { Measure, Section } from './results/types.js';
import { childrenCpu, timed, type Time } from './timedProcess.js';

const SPEC = 'examples/echo-one-byte.yaml';
const OTHER_SPEC = 'examples/echo-clamp-trace.yaml';
export const COLD_TARGET = 0.3;

/** echo-one-byte in SystemTap's words: the same guard, the same two writes. */
export const STAP_ECHO = `global orig
probe kernel.function("ksys_write") {
  if (uid() == 1000 && execname() == "echo" && $count > 1) {
    orig[tid()] = $count
    $count = 1
  }
}
probe kernel.function("ksys_write").return {
  if (tid() in orig) {
    $return = orig[tid()]
    delete orig[tid()]
  }
}
`;

export interface ModuleTimeOptions {
  kernel: string;
  runs: number;
}

export interface ModuleTimeResult {
  text: string;
  section: Section;
}

export async function measureTimeToModule(opts: ModuleTimeOptions): Promise<ModuleTimeResult> {
  const kernel = await ensureKernel(opts.kernel, { debuginfo: true });
  const root = projectRoot();
  const cli = path.join(root, 'bin', 'guru.js');
  const temp: string[] = [];
  const tempDir = (prefix: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `guru-bench-${prefix}-`));
    temp.push(d);
    return d;
  };
  try {
    const scratch = tempDir('out');
    const guruBuild = (spec: string, cache: string): Time =>
      timed(process.execPath, [cli, 'build', spec, '--kernel', kernel.release, '-o', path.join(scratch, 'out.ko')], { cwd: root, env: { ...process.env, GURU_CACHE: cache } });
    // Cold guru builds need the kernel store: a fresh GURU_CACHE sees it through a symlink.
    const freshCache = (): string => {
      const c = tempDir('cache');
      fs.symlinkSync(path.join(path.dirname(path.dirname(kernel.dir)), 'kernels'), path.join(c, 'kernels'));
      if (kernel.buildRoot) fs.symlinkSync(path.dirname(path.dirname(kernel.buildRoot.dir)), path.join(c, 'buildroots'));
      return c;
    };
    const bare = (): Time => {
      const dir = tempDir('bare');
      fs.writeFileSync(path.join(dir, 'empty.c'), '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n');
      fs.writeFileSync(path.join(dir, 'Kbuild'), 'obj-m := empty.o\n');
      const make = ['-C', kernel.headersDir, `M=${dir}`, `-j${os.availableParallelism()}`, 'modules'];
      try {
        if (!kernel.buildRoot) return timed('make', make, { env: { ...process.env, LC_ALL: 'C' } });
        const c = buildRootCommand(kernel.buildRoot.dir, make, [kernel.headersDir, dir]);
        return timed(c.file, c.args, { env: { ...process.env, ...c.env, LC_ALL: 'C' } });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const cold = (): Time => {
      const cache = freshCache();
      try {
        return guruBuild(SPEC, cache);
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
      }
    };
    const treeCache = freshCache();
    const fresh = (): Time => {
      fs.rmSync(path.join(treeCache, 'modules'), { recursive: true, force: true });
      guruBuild(OTHER_SPEC, treeCache);
      fs.rmSync(path.join(treeCache, 'modules'), { recursive: true, force: true });
      return guruBuild(SPEC, treeCache);
    };
    const warmCache = freshCache();
    guruBuild(SPEC, warmCache);
    const warm = (): Time => guruBuild(SPEC, warmCache);

    const stapDir = tempDir('stap');
    const stapPasses: Record<string, Record<number, number>[]> = { 'stap cold': [], 'stap new': [], 'stap warm': [] };
    let stapError: string | undefined;
    const stapRun = async (key: string, script: string, cold: boolean): Promise<Time | undefined> => {
      if (stapError) return undefined;
      const cpu0 = childrenCpu();
      const r: StapBuild = await stapBuild(kernel, script, { name: 'stap_echo', guru: true, cold, outDir: stapDir, stapDir: '/root/.systemtap-time-to-module' });
      if (r.error) {
        stapError = r.error;
        return undefined;
      }
      stapPasses[key]!.push(r.passMs);
      return { wall: r.seconds, cpu: childrenCpu() - cpu0 };
    };
    let edit = 0;
    const stapCold = () => stapRun('stap cold', STAP_ECHO, true);
    // A new script each time (a constant changed), with stap's cache kept.
    const stapNew = () => stapRun('stap new', STAP_ECHO.replace('$count > 1', `$count > ${2 + edit++}`), false);
    // The round's cold run left this script's module in stap's cache.
    const stapWarm = () => stapRun('stap warm', STAP_ECHO, false);

    const conditions: { name: string; run: () => Time | undefined | Promise<Time | undefined>; vs?: string }[] = [
      { name: 'bare kbuild', run: bare },
      { name: 'guru cold', run: cold, vs: 'stap cold' },
      { name: 'guru new', run: fresh, vs: 'stap new' },
      { name: 'guru warm', run: warm, vs: 'stap warm' },
      { name: 'stap cold', run: stapCold, vs: 'bare kbuild' },
      { name: 'stap new', run: stapNew, vs: 'bare kbuild' },
      { name: 'stap warm', run: stapWarm },
    ];
    const wall: number[][] = conditions.map(() => []);
    const cpu: number[][] = conditions.map(() => []);
    const loadBefore = os.loadavg()[0]!;
    for (let round = 0; round < opts.runs; round++) {
      for (const [i, c] of conditions.entries()) {
        const t = await c.run();
        if (t) {
          wall[i]!.push(t.wall);
          cpu[i]!.push(t.cpu);
        }
      }
    }
    const loadAfter = os.loadavg()[0]!;
    const rows = (xs: number[][]): Measure[] =>
      conditions.map((c, i) => ({ name: c.name, samples: xs[i]!, vs: c.vs, note: c.name.startsWith('stap') && stapError ? 'stap built no module (see notes)' : undefined }));
    const passRows: Measure[] = Object.entries(stapPasses).flatMap(([key, runs]) =>
      [1, 2, 3, 4].map((p) => ({ name: `${key}: pass ${p}`, samples: runs.map((r) => (r[p] ?? 0) / 1000) })).filter((r) => r.samples.some((x) => x > 0)),
    );
    const i = (name: string): number => conditions.findIndex((c) => c.name === name);
    const ratio = wall[i('stap cold')]!.length && wall[i('guru cold')]!.length ? median(wall[i('guru cold')]!) / median(wall[i('stap cold')]!) : undefined;
    const ref = `${opts.kernel} (${kernel.release})`;
    const section: Section = {
      title: `Time to module on ${ref}`,
      how: [
        `${SPEC} with guru build against the same patch in SystemTap's guru mode (stap -v -p4 -g, in the sid root), and a bare kbuild of an empty module`,
        `each a whole process as a user runs it (wall clock; CPU = user + sys of it and its children), ${opts.runs} runs of each condition, interleaved round by round`,
        'guru cold: empty GURU_CACHE (guru\'s runtime compiles too); guru new: a spec new to a per-kernel tree another spec was built in; guru warm: cache hit',
        'stap cold: an empty SYSTEMTAP_DIR (its cache; so it also runs its kernel feature tests, stapconf, cached afterwards, as guru cold compiles its runtime); stap new: the script with one constant changed, cache kept; stap warm: the same script again (cache hit)',
        `the stap script: ${STAP_ECHO.replace(/\s+/g, ' ').trim()}`,
      ],
      load: { before: loadBefore, after: loadAfter },
      tables: [
        { caption: `wall time, ${ref}`, unit: 's', digits: 2, rows: rows(wall) },
        { caption: `CPU time (user + sys), ${ref}`, unit: 's', digits: 2, rows: rows(cpu) },
        ...(passRows.length ? [{ caption: `stap -v pass times (real), ${ref}: 1 parse, 2 elaborate, 3 translate, 4 compile`, unit: 's', digits: 2, rows: passRows }] : []),
      ],
      targets: [
        {
          text: `guru cold <= ${COLD_TARGET}x stap cold (wall), ${opts.kernel}`,
          figure: ratio === undefined ? '-' : `${ratio.toFixed(2)}x (medians ${median(wall[i('guru cold')]!).toFixed(2)} s vs ${median(wall[i('stap cold')]!).toFixed(2)} s)`,
          holds: ratio === undefined ? undefined : ratio <= COLD_TARGET,
          why: ratio === undefined ? 'stap built no module for this kernel' : undefined,
        },
      ],
      notes: stapError ? [`stap -p4 for ${kernel.release}:\n${stapError}`] : [],
    };
    const text = [section.title, ...section.how.map((h) => `  ${h}`), `  load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`, '', ...section.tables.flatMap((t) => [...formatTable(t), '']), ...section.targets.map((t) => `${t.text}: ${t.figure}: ${t.holds === undefined ? 'not measured' : t.holds ? 'holds' : 'DOES NOT HOLD'}`), ...section.notes].join('\n');
    return { text, section };
  } finally {
    for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureTimeToModule({ kernel: arg('kernel', 'debian:6.1'), runs: Number(arg('runs', '3')) })
    .then((r) => console.log(r.text))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
