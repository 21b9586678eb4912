// Every subcommand is a yargs CommandModule in its own file under
// src/commands/, registered in cli.ts. Handlers throw GuruError subclasses;
// cli.ts maps them to exit codes.
import type { CommandModule } from 'yargs';

/** A subcommand whose handler receives arguments of type A. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GuruCommand<A = any> = CommandModule<object, A>;
