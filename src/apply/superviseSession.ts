// One `guru apply` session (docs/supervision.md): insmod, arm, stream events until
// something ends the session (signal, --duration, the end of --run, stop()
// in a probe, a kernel warning about the module), then disarm, drain,
// summarise and rmmod. The kernel disarms by itself if this process dies.
// node:child_process, not execa: see kernelModules.ts (start-up cost in guests).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Manifest } from '../render/manifest.js';
import { ControlFile } from './controlFile.js';
import { decodeRecords, type GuruEvent } from './decodeRecords.js';
import { EventFormatter, LineAssembler } from './formatEvent.js';
import { insertModule, isLoaded, removeModule, type TargetModule } from './kernelModules.js';
import { readModuleStats, type ModuleStats } from './moduleStats.js';
import { formatSummary, matchModule } from './formatSummary.js';
import { knobCommand, readModuleKnobs, type KnobAssignment } from './knobs.js';
import { runAsEnvironment, type RunAsUser } from './runAsUser.js';
import { readAggregates, type MapValues } from './aggregateSnapshot.js';
import { aggregatesJson, formatAggregates } from './formatAggregates.js';
import { terminalColumns } from '../ui/terminalColumns.js';
import { mapOperation } from './mapOperations.js';
import type { MetricsExport } from './metricsExport.js';

/** The loadable modules the manifest's probes sit in, each once, with the first probe that needs it. */
function targetModules(manifest: Manifest): TargetModule[] {
  const seen = new Map<string, TargetModule>();
  for (const p of manifest.probes) if (p.module && !seen.has(p.module)) seen.set(p.module, { module: p.module, on: p.on });
  return [...seen.values()];
}

/**
 * The loadable modules of the manifest's wildcard matches (a module
 * wildcard's MODULE:FUNC) that are not loaded now, just before insmod: the
 * kernel cannot place those matches, and the summary says why.
 */
function absentMatchModules(manifest: Manifest): Set<string> {
  const modules = new Set<string>();
  for (const p of manifest.probes) for (const label of p.matched ?? []) {
    const m = matchModule(p, label);
    if (m !== undefined) modules.add(m);
  }
  return new Set([...modules].filter((m) => !isLoaded(m)));
}

export interface SessionOptions {
  koPath: string;
  manifest: Manifest;
  /** Shell command whose end ends the session; its exit code is guru's. */
  run?: string;
  /** The user --run's command runs as; guru's own user (root) by default. */
  runAs?: RunAsUser;
  durationMs?: number;
  /** --param: knob values set before the probes are armed (checked against the manifest: parseKnobAssignments). */
  params?: KnobAssignment[];
  /** Leave the probes armed and exit; the kernel disarms after ttlMs (0: never). */
  detach?: { ttlMs: number };
  json: boolean;
  /** --top N: keyed maps in the summary show their N largest keys. */
  top?: number;
  /** --metrics-file, --metrics-port: started (listening) by the caller; shows the patch once armed, finished here. */
  metrics?: MetricsExport;
  events: NodeJS.WritableStream;
  messages: NodeJS.WritableStream;
}

export interface SessionResult {
  exitCode: number;
  stats?: ModuleStats;
  /** The maps and counters at the end (after disarm: every hit counted). */
  aggregates?: MapValues[];
  delivered: number;
  endReason: string;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function osSignalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}

export async function superviseSession(opts: SessionOptions): Promise<SessionResult> {
  const { manifest } = opts;
  const module = manifest.module;
  const started = Date.now();
  let control: ControlFile | undefined;
  let kernelLog: ChildProcess | undefined;
  let child: ChildProcess | undefined;
  let childExited: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let detached = false;
  const onSignal = (sig: NodeJS.Signals) => end(`${sig}`);
  let endReason = '';
  let exitCode = 0;
  let endRequested: () => void = () => {};
  const ended = new Promise<void>((resolve) => (endRequested = resolve));
  function end(reason: string, code?: number): void {
    if (endReason) return;
    endReason = reason;
    if (code !== undefined) exitCode = code;
    endRequested();
  }

  // Listen before the module is loaded: a signal with no listener kills
  // node outright (exit 143, the module left loaded), and one may arrive
  // at any point of the set-up. One that does ends the session as soon as
  // it is armed, which then disarms, drains and removes the module.
  for (const s of SIGNALS) process.on(s, onSignal);
  let loaded = false;
  let absent = new Set<string>();
  try {
    absent = absentMatchModules(manifest);
    await insertModule(opts.koPath, module, targetModules(manifest), manifest.insmodRefusals);
    loaded = true;
    control = await ControlFile.open(module);
    kernelLog = watchKernelLog(module, (line) => {
      opts.messages.write(`guru: kernel reports about ${module}: ${line}\n`);
      end('kernel warning', 2);
    });
    // --param values are in place before anything runs, begin probes included.
    for (const a of opts.params ?? []) await control.command(knobCommand(a));
    // A signal during set-up: never arm (the kernel then reports the end
    // of the stream at once, with no begin or end probe run).
    if (!endReason) await control.command('arm');

    if (opts.detach && !endReason) {
      detached = true;
      await control.command(`detach ${Math.ceil(opts.detach.ttlMs / 1000)}`);
      if (manifest.mapOps) opts.messages.write(`guru: warning: print() and clear() in ${manifest.name}'s probes are done by guru apply's session, and detached there is none: they do nothing (guru metrics ${manifest.name} reads the maps)\n`);
      opts.messages.write(
        `${module}: armed and detached${opts.detach.ttlMs ? `; the kernel disarms it in ${Math.ceil(opts.detach.ttlMs / 1000)} s` : ' with no ttl'}; remove it with guru rm ${module}\n`,
      );
      return { exitCode: 0, delivered: 0, endReason: 'detached' };
    }

    opts.metrics?.watch(module, manifest);
    if (opts.durationMs !== undefined) timer = setTimeout(() => end('duration'), opts.durationMs);
    if (opts.run) {
      const as = opts.runAs;
      const c = spawn('sh', ['-c', opts.run], {
        stdio: 'inherit',
        ...(as && { uid: as.uid, gid: as.gid, env: runAsEnvironment(as) }),
      });
      child = c;
      childExited = new Promise((resolve) => {
        c.on('exit', (code, signal) => {
          end('command ended', code ?? 128 + (signal ? osSignalNumber(signal) : 0));
          resolve();
        });
        c.on('error', (err) => {
          opts.messages.write(`guru: cannot run ${opts.run}: ${err.message}\n`);
          end('command failed to start', 127);
          resolve();
        });
      });
    } else if (process.stderr.isTTY && opts.durationMs === undefined) {
      opts.messages.write(`${module}: armed; Ctrl-C ends the session\n`);
    }

    // Stream until the kernel says end-of-stream, which it does only once
    // we have disarmed and every record has been read.
    // SystemTap's extractors (@count(x) in a printf()) read the maps when their record is read, as print(@x) does.
    const formatter = new EventFormatter(manifest, undefined, undefined, () => readAggregates(module, manifest.maps ?? []));
    const lines = new LineAssembler();
    let delivered = 0;
    const signals: Extract<GuruEvent, { type: 'signal' }>[] = [];
    let knobChanges = 0;
    let disarmed = false;
    const disarm = ended.then(async () => {
      disarmed = true;
      await control!.command('disarm');
    });
    for (;;) {
      const batch = await control.readRecords();
      if (batch.length === 0) break;
      for (const e of decodeRecords(batch, manifest)) {
        delivered++;
        if (e.type === 'stop') end(`stop() in ${manifest.probes[e.probe]?.on ?? 'a probe'}`);
        if (e.type === 'signal') signals.push(e);
        if (e.type === 'knob') knobChanges++;
        if (e.type === 'map') {
          const done = await mapOperation(e, { manifest, command: (cmd) => control!.command(cmd), json: opts.json, top: opts.top, columns: terminalColumns(opts.events) });
          if (done.message) opts.messages.write(done.message + '\n');
          if (done.events) opts.events.write(opts.json ? done.events : lines.event(e.tid, e, done.events));
          continue;
        }
        // printf() text waits for the rest of its line from the same thread (LineAssembler).
        const text = opts.json ? formatter.json(e) : lines.event(e.tid, e, formatter.text(e));
        if (text) opts.events.write(text);
      }
    }
    const unfinished = lines.flush();
    if (unfinished) opts.events.write(unfinished);
    if (!disarmed) end('module disarmed'); // e.g. its --ttl ran out
    await disarm;
    if (child) {
      // The session ended some other way: the workload goes too.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await childExited;
    }
    const stats = readModuleStats(module);
    const knobs = readModuleKnobs(module);
    const aggregates = readAggregates(module, manifest.maps ?? []);
    if (opts.json && aggregates.length) opts.events.write(JSON.stringify({ type: 'maps', maps: aggregatesJson(aggregates) }) + '\n');
    await opts.metrics?.finish({ patch: manifest.name, stats, probes: manifest.probes, knobs: knobs?.knobs, aggregates });
    const maps = formatAggregates(aggregates, { top: opts.top, columns: terminalColumns(opts.messages) });
    opts.messages.write(formatSummary(manifest, stats, delivered, (Date.now() - started) / 1000, endReason, signals, knobs && { ...knobs, changes: knobChanges }, absent) + (maps ? `\n${maps}` : ''));
    return { exitCode, stats, aggregates, delivered, endReason };
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    if (timer) clearTimeout(timer);
    await opts.metrics?.finish();
    kernelLog?.kill();
    control?.close();
    if (loaded && !detached) await removeModule(module);
  }
}

/**
 * Follow the kernel log for this session only (`dmesg --follow-new`) and
 * report lines that implicate the module: a stack frame `[guru_x]` in an
 * oops or warning. Its own pr_info lines ("guru_x: loaded") are not news.
 */
function watchKernelLog(module: string, onProblem: (line: string) => void): ChildProcess | undefined {
  try {
    const p = spawn('dmesg', ['--follow-new', '--notime'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.on('error', () => {});
    let rest = '';
    p.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.includes(`[${module}]`)) onProblem(line.trim());
    });
    return p;
  } catch {
    return undefined;
  }
}
