// The list of subcommands, in the order --help shows them.
import type { GuruCommand } from './command.js';
import { checkCommand } from './check.js';
import { renderCommand } from './render.js';
import { buildCommand } from './build.js';

export const commands: GuruCommand[] = [
  checkCommand,
  renderCommand,
  buildCommand,];
