// --as USER: names and uids as the user database answers them (a fake
// lookup here; the VM test runs the real getent).
import { parsePasswdLine, resolveRunAsUser, runAsEnvironment, type RunAsUser } from '../../src/apply/runAsUser.js';
import { UserError } from '../../src/errors.js';

const db: Record<string, string> = {
  alice: 'alice:x:1001:1002:Alice,,,:/home/alice:/bin/bash',
  '1001': 'alice:x:1001:1002:Alice,,,:/home/alice:/bin/bash',
};
const lookup = (key: string): RunAsUser | undefined => (db[key] ? parsePasswdLine(db[key]) : undefined);

test('a name gives the account\'s uid, primary gid and home', () => {
  expect(resolveRunAsUser('alice', lookup)).toEqual({ uid: 1001, gid: 1002, name: 'alice', home: '/home/alice' });
});

test('a known uid is that account; an unknown uid runs with the gid of the same number', () => {
  expect(resolveRunAsUser('1001', lookup)).toMatchObject({ uid: 1001, gid: 1002, name: 'alice' });
  expect(resolveRunAsUser('1000', lookup)).toEqual({ uid: 1000, gid: 1000 });
});

test('an unknown name and an impossible uid are user errors with a hint', () => {
  expect(() => resolveRunAsUser('bob', lookup)).toThrow(new UserError('--as bob: no such user'));
  expect(() => resolveRunAsUser('4294967295', lookup)).toThrow(/not a valid uid/);
});

test('the command sees the user\'s HOME, USER and LOGNAME, the rest of the environment as it was', () => {
  const env = runAsEnvironment({ uid: 1001, gid: 1002, name: 'alice', home: '/home/alice' }, { HOME: '/root', USER: 'root', PATH: '/bin' });
  expect(env).toEqual({ HOME: '/home/alice', USER: 'alice', LOGNAME: 'alice', PATH: '/bin' });
  expect(runAsEnvironment({ uid: 1000, gid: 1000 }, { HOME: '/root', PATH: '/bin' })).toEqual({ HOME: '/root', PATH: '/bin' });
});
