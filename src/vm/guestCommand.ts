// The two small files a run hands to the guest through the shared host root
// (the kernel command line only carries the folder that holds them):
//  - vm.env, sourced by the initramfs init: which kernel modules folder to
//    mount at /lib/modules/RELEASE;
//  - command.sh, run by the host's own /bin/sh inside the VM's root: enter
//    the cwd, set the environment, exec the command.
import { UserError } from '../errors.js';
import { shellJoin, shellQuote } from './shellQuote.js';

export interface GuestCommand {
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
}

/** Exit code command.sh uses when it cannot enter the cwd (like a shell's "cannot execute"). */
export const GUEST_CWD_FAILED_EXIT = 126;

export function guestCommandScript(c: GuestCommand): string {
  if (c.argv.length === 0) throw new UserError('no command to run in the VM', 'put it after --, e.g. guru vm -- uname -r');
  const lines = [
    '# Written by guru vm: the command, run by the guest with the host\'s /bin/sh.',
    `cd -- ${shellQuote(c.cwd)} || { echo ${shellQuote(`guru vm: cannot enter ${c.cwd} in the guest`)} >&2; exit ${GUEST_CWD_FAILED_EXIT}; }`,
  ];
  for (const [key, value] of Object.entries(c.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UserError(`environment variable name '${key}' cannot be passed to the VM`);
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  lines.push(`exec ${shellJoin(c.argv)}`, '');
  return lines.join('\n');
}

export interface GuestMounts {
  release: string;
  /** Host path of the stored kernel's modules, bind-mounted at /lib/modules/RELEASE. */
  modulesDir: string;
}

export function guestVmEnv(m: GuestMounts): string {
  return [`GURU_RELEASE=${shellQuote(m.release)}`, `GURU_MODULES_DIR=${shellQuote(m.modulesDir)}`, ''].join('\n');
}
