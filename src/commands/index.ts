// The list of subcommands, in the order --help shows them.
import type { GuruCommand } from './command.js';
import { checkCommand } from './check.js';
import { renderCommand } from './render.js';
import { buildCommand } from './build.js';
import { applyCommand } from './apply.js';
import { psCommand } from './ps.js';
import { setCommand } from './set.js';
import { metricsCommand } from './metrics.js';
import { rmCommand } from './rm.js';
import { doctorCommand } from './doctor.js';
import { vmCommand } from './vm.js';
import { kernelCommand } from './kernel.js';
import { listCommand } from './list.js';

export const commands: GuruCommand[] = [
  checkCommand,
  renderCommand,
  buildCommand,
  applyCommand,
  setCommand,
  psCommand,
  metricsCommand,
  rmCommand,
  listCommand,
  doctorCommand,
  vmCommand,
  kernelCommand,];
