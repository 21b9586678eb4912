// `guru apply --run CMD --as USER`: the user the workload runs as. guru
// itself must stay root (it loads the module and holds its control file), but
// a patch guarded by `uid: 1000` only bites a command that runs as uid 1000,
// so the command is started with that uid and gid and no supplementary
// groups (node's spawn drops them when it changes the ids).
//
// Users are looked up with getent, so every source the C library knows
// (/etc/passwd, LDAP, ...) answers as it would for `su`. Inside `--vm` the
// guest sees the host's /etc, so a name means the same user on both sides.
import { spawnSync } from 'node:child_process';
import { UserError } from '../errors.js';

export interface RunAsUser {
  uid: number;
  gid: number;
  /** The account's name and home, when the user database has one. */
  name?: string;
  home?: string;
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to setuid(2)

/** A passwd line (`name:x:uid:gid:gecos:home:shell`) as a RunAsUser. */
export function parsePasswdLine(line: string): RunAsUser | undefined {
  const f = line.trim().split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { uid, gid, name: f[0], home: f[5] };
}

function lookUp(key: string): RunAsUser | undefined {
  const r = spawnSync('getent', ['passwd', key], { encoding: 'utf8' });
  if (r.error) throw new UserError(`--as ${key}: cannot look the user up (${r.error.message})`, 'getent comes with libc-bin; or give a numeric uid');
  return r.status === 0 ? parsePasswdLine(r.stdout.split('\n')[0]) : undefined;
}

/**
 * USER as `--as` takes it: a user name, or a numeric uid. A uid the user
 * database does not know runs with the gid of the same number, the way a
 * disposable VM's uid 1000 usually is.
 */
export function resolveRunAsUser(user: string, lookup: (key: string) => RunAsUser | undefined = lookUp): RunAsUser {
  if (/^\d+$/.test(user)) {
    const uid = Number(user);
    if (uid > MAX_ID) throw new UserError(`--as ${user}: not a valid uid`, `uids run from 0 to ${MAX_ID}`);
    return lookup(user) ?? { uid, gid: uid };
  }
  const found = lookup(user);
  if (!found) throw new UserError(`--as ${user}: no such user`, 'give a user name from /etc/passwd (getent passwd lists them) or a numeric uid such as 1000');
  return found;
}

/** The environment a command run as USER sees: the caller's, with that user's HOME, USER and LOGNAME. */
export function runAsEnvironment(user: RunAsUser, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  if (user.home) out.HOME = user.home;
  if (user.name) {
    out.USER = user.name;
    out.LOGNAME = user.name;
  }
  return out;
}
