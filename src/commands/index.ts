// The list of subcommands, in the order --help shows them.
import type { GuruCommand } from './command.js';
import { checkCommand } from './check.js';
import { renderCommand } from './render.js';
import { buildCommand } from './build.js';
import { vmCommand } from './vm.js';
import { kernelCommand } from './kernel.js';

export const commands: GuruCommand[] = [
  checkCommand,
  renderCommand,
  buildCommand,
  vmCommand,
  kernelCommand,];
