// guru's command line: yargs wiring and the one top-level catch that maps
// error classes to exit codes (0 ok, 1 user error, 2 environment, 3 internal).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, GuruError, SpecError } from './errors.js';
import { formatDiagnostics } from './diagnostics/formatDiagnostic.js';
import { commands } from './commands/index.js';
import { guruVersion } from './projectRoot.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  // Answered before yargs, which would otherwise demand a command (and its
  // own --version is global: every command's --help would list it).
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${guruVersion()}\n`);
    return exitCode;
  }
  const parser = yargs(argv)
    .scriptName('guru')
    .usage('$0 <command> [options]\n\nguru-mode live patching for Linux: YAML patch specs compiled to kprobe modules.')
    .strict()
    .demandCommand(1, 'Name a command; see guru --help.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .option('version', { type: 'boolean', describe: "Print guru's version", global: false })
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) parser.command(c);
  try {
    await parser.parseAsync();
    exitCode = process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (err) {
    exitCode = reportError(err);
  }
  return exitCode;
}

class UsageError extends GuruError {
  readonly exitCode = ExitCode.user;
}

/** Print an error the way users should see it; return its exit code. */
export function reportError(err: unknown): number {
  if (err instanceof SpecError) {
    process.stderr.write(formatDiagnostics(err.diagnostics, err.sourceText) + '\n');
    return err.exitCode;
  }
  if (err instanceof GuruError) {
    process.stderr.write(`guru: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (err instanceof UsageError) process.stderr.write('Run guru --help for usage.\n');
    return err.exitCode;
  }
  process.stderr.write(`guru: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.stderr.write('This is a guru bug; please report it with the command you ran.\n');
  return ExitCode.internal;
}

// A reader that goes away (guru list ... | head) is not an error: stop
// writing, and end an apply session the way SIGTERM does (disarm, drain,
// summary on stderr, rmmod) instead of dying with the module loaded.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
  else process.exit(process.exitCode ?? 0);
});

main(hideBin(process.argv)).then((code) => {
  process.exitCode = code;
});
