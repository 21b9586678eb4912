// guru set NAME K=V... | --disable-for D: change a loaded patch's knobs
// while it runs (docs/cli.md). Each change is one write to the module's
// params file, which the kernel applies atomically under its control lock
// and reports in the supervisor's event stream.
import type { GuruCommand } from './command.js';
import { EnvironmentError, UserError } from '../errors.js';

interface SetArgs {
  name: string;
  assignments?: string[];
  disableFor?: string;
}

export const setCommand: GuruCommand<SetArgs> = {
  command: 'set <name> [assignments..]',
  describe: "change a loaded patch's knobs while it is armed (NAME=VALUE, or --disable-for D)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'the patch (with or without the guru_ prefix)', demandOption: true })
      .positional('assignments', { type: 'string', array: true, describe: 'knob values: fix=0, enabled=1, ...' })
      .option('disable-for', { type: 'string', describe: 'set enabled=0 now and have the kernel set it back to 1 after this long (e.g. 30s)' })
      .example('$0 set cve_2016_5195 fix=0', 'turn the fix off; the patch keeps counting')
      .example('$0 set cve_2016_5195 --disable-for 30s', 'every probe a counted miss for 30 s, then on again'),
  handler: async (args) => {
    const fs = await import('node:fs');
    const { loadedGuruModules } = await import('../apply/kernelModules.js');
    const { formatKnobValues, knobCommand, knobsPath, parseKnobAssignments, readModuleKnobs } = await import('../apply/knobs.js');
    const { parseDuration } = await import('../apply/duration.js');
    const module = args.name.startsWith('guru_') ? args.name : `guru_${args.name}`;
    const texts = args.assignments ?? [];
    if (!texts.length && args.disableFor === undefined) throw new UserError('name a knob to set (fix=0) or pass --disable-for D', 'guru ps shows each patch with its knobs');
    const loaded = loadedGuruModules();
    if (!loaded.includes(module)) throw new UserError(`${module} is not loaded`, loaded.length ? `loaded: ${loaded.join(', ')}` : 'no guru modules are loaded');
    const before = readModuleKnobs(module);
    if (!before) throw new UserError(`${module} has no knobs file (${knobsPath(module)})`, 'it was built by a guru without knobs: build it again');
    // Every assignment is checked before any is made: a typo in the second changes nothing.
    const assignments = parseKnobAssignments(texts, before.knobs, 'guru set');
    const disableMs = args.disableFor !== undefined ? parseDuration(args.disableFor, '--disable-for') : undefined;
    if (disableMs === 0) throw new UserError('--disable-for 0 disables nothing', 'give a time (30s), or set enabled=0 to disable until enabled=1');
    const send = (cmd: string, what: string): void => {
      try {
        fs.writeFileSync(knobsPath(module), cmd);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') throw new EnvironmentError(`cannot change ${module}'s knobs: ${code}`, 'guru set needs root (the params file is writable by root only)');
        if (code === 'EINVAL' && cmd.startsWith('disable-for')) throw new UserError(`${module} is not armed: --disable-for works on an armed patch only`, 'set enabled=0 on a patch that is loaded but not armed');
        if (code === 'ERANGE') throw new UserError(`the kernel refuses ${what}: out of range`);
        throw new EnvironmentError(`the kernel refuses ${what}: ${(err as Error).message}`);
      }
    };
    for (const a of assignments) send(knobCommand(a), `${a.name}=${a.value}`);
    if (disableMs !== undefined) send(`disable-for ${disableMs}`, `--disable-for ${args.disableFor}`);
    const after = readModuleKnobs(module) ?? before;
    const reenable = after.reenableMs !== undefined ? ` (enabled again in ${Math.ceil(after.reenableMs / 1000)} s)` : '';
    process.stdout.write(`${module}: ${formatKnobValues(after.knobs)}${reenable}\n`);
  },
};
