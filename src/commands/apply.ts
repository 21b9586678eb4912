// guru apply SPEC|X.ko: load, arm, stream events, summary, remove (docs/cli.md, docs/supervision.md).
// With --vm K: build on the host for K, then run this same command inside a
// disposable VM booted on K.
import fs from 'node:fs';
import os from 'node:os';
import type { GuruCommand } from './command.js';
import { withKernelOptions } from './kernelOptions.js';
import { withPlanOptions } from './planOptions.js';
import type { ApplyOptions } from '../apply/applyOptions.js';
import { UserError } from '../errors.js';
import { parseDuration } from '../apply/duration.js';
import { resolveRunAsUser } from '../apply/runAsUser.js';


export const applyCommand: GuruCommand<ApplyOptions> = {
  command: 'apply <target>',
  describe: 'load a patch (spec or built .ko), stream its events, and remove it at the end',
  builder: (y) =>
    withPlanOptions(withKernelOptions(y.positional('target', { type: 'string', describe: 'patch spec (YAML) or a module built by guru build', demandOption: true })))
      .option('run', { type: 'string', describe: 'run this shell command while armed; the session ends with it and takes its exit code' })
      .option('as', { type: 'string', describe: 'with --run: run the command as this user (name or uid), e.g. the uid a where: guard names' })
      .option('duration', { type: 'string', describe: 'end the session after this long (e.g. 10s, 2m)' })
      .option('detach', { type: 'boolean', describe: 'leave the patch armed and exit (needs --ttl)' })
      .option('ttl', { type: 'string', describe: 'with --detach: the kernel disarms the patch after this long; 0 keeps it until guru rm' })
      .option('param', { type: 'string', array: true, describe: 'set a knob before arming: NAME=VALUE (a param of the spec, or enabled); repeat for several' })
      .option('json', { type: 'boolean', describe: 'events as JSON lines' })
      .option('output', { alias: 'o', type: 'string', describe: 'write events to this file instead of stdout' })
      .option('metrics-file', { type: 'string', describe: "keep this Prometheus text file current (node_exporter's textfile collector): every 10 s, and the final counts at the end" })
      .option('top', { type: 'number', describe: "in the summary, show each keyed map's N largest keys only" })
      .option('metrics-port', { type: 'number', describe: 'serve the patch\'s metrics at http://127.0.0.1:PORT/metrics while it runs' })
      .option('vm', { type: 'string', describe: 'run in a disposable VM booted on this kernel (e.g. debian:6.1); several, comma-separated (debian:6.1,debian:7.3): one VM each, and a table of exit codes and outputs' })
      .option('vm-timeout', { type: 'string', describe: 'with --vm: hard limit for the whole VM run (default 10m)' })
      .example('$0 apply examples/echo-one-byte.yaml --vm debian:6.1 --as 1000 --run "/bin/echo hello"', 'echo, run as uid 1000, prints only h')
      .example('$0 apply patch.yaml --duration 30s --json', 'stream events for 30 s as JSON')
      .example('$0 apply band-aid.ko --param fix=0', 'load a built patch with its fix knob off; guru set turns it on while armed'),
  handler: async (args) => {
    if (args.detach && args.ttl === undefined) {
      throw new UserError('--detach needs --ttl', 'give the kernel a deadline (--ttl 10m), or opt out explicitly with --ttl 0');
    }
    if (args.ttl !== undefined && !args.detach) throw new UserError('--ttl only applies with --detach');
    if (args.detach && (args.run || args.duration)) throw new UserError('--detach cannot be combined with --run or --duration');
    if (args.top !== undefined && !(Number.isInteger(args.top) && args.top > 0)) throw new UserError(`--top ${args.top}: not a number of keys`, 'e.g. --top 5');
    const metricsWanted = args.metricsFile !== undefined || args.metricsPort !== undefined;
    if (metricsWanted && args.detach) throw new UserError('--metrics-file and --metrics-port need the session guru apply supervises; --detach leaves none', 'with --detach, run guru metrics NAME where the metrics are collected (cron, a textfile script)');
    if (metricsWanted && args.vm) throw new UserError('--metrics-file and --metrics-port cannot be combined with --vm: the VM cannot write host files or take host ports', "inside a VM: guru vm --kernel K -- sh -c 'guru apply X.ko --metrics-file /tmp/guru.prom ...; cat /tmp/guru.prom'");
    const metricsPort = args.metricsPort !== undefined ? (await import('../apply/metricsExport.js')).parseMetricsPort(args.metricsPort) : undefined;
    if (args.as !== undefined && args.run === undefined) throw new UserError('--as needs --run', 'it names the user the --run command runs as: --run "/bin/echo hello" --as 1000');
    // Resolved now, before anything is built or booted, so a typo fails at once.
    const runAs = args.as !== undefined ? resolveRunAsUser(args.as) : undefined;
    const durationMs = args.duration !== undefined ? parseDuration(args.duration, '--duration') : undefined;
    const ttlMs = args.ttl !== undefined ? parseDuration(args.ttl, '--ttl') : undefined;

    // Implementation modules load on demand: inside a TCG guest every module
    // read costs, and applying a built .ko needs none of the compiler.
    if (args.vm) {
      const { applyInVm } = await import('../apply/applyInVm.js');
      process.exitCode = await applyInVm(args);
      return;
    }

    const { moduleToApply } = await import('../apply/moduleToApply.js');
    const { buildIdFromNotesFile } = await import('../debuginfo/elfNotes.js');
    const { superviseSession } = await import('../apply/superviseSession.js');
    const { koPath, manifest } = await moduleToApply(args.target, {
      release: os.release(),
      label: 'this kernel',
      buildTarget: async () => (await import('../kernelFacts/kernelTarget.js')).resolveKernelTarget(args),
      maxProbes: args.maxProbes,
      mismatchHint: args.kernel ? `to run it on ${args.kernel}, use --vm` : 'build it for this kernel (guru build SPEC), or run it in a VM on that kernel (--vm)',
      buildId: () => {
        try {
          return buildIdFromNotesFile('/sys/kernel/notes');
        } catch {
          return undefined;
        }
      },
    });
    const { manifestKnobs, parseKnobAssignments } = await import('../apply/knobs.js');
    const params = parseKnobAssignments(args.param ?? [], manifestKnobs(manifest), '--param');
    const events = args.output ? fs.createWriteStream(args.output) : process.stdout;
    const metrics = metricsWanted ? await (await import('../apply/metricsExport.js')).MetricsExport.start({ file: args.metricsFile, port: metricsPort, messages: process.stderr }) : undefined;
    try {
      const result = await superviseSession({
        metrics,
        koPath,
        manifest,
        run: args.run,
        runAs,
        params,
        durationMs,
        detach: args.detach ? { ttlMs: ttlMs ?? 0 } : undefined,
        json: Boolean(args.json),
        top: args.top,
        events,
        messages: process.stderr,
      });
      process.exitCode = result.exitCode;
    } finally {
      if (args.output) await new Promise<void>((r) => (events as fs.WriteStream).end(r));
    }
  },
};
