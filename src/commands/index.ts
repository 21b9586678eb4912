// The list of subcommands, in the order --help shows them.
import type { GuruCommand } from './command.js';

export const commands: GuruCommand[] = [];
