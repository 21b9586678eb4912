// guru doctor's BTF and debuginfo checks: the distribution read from
// os-release decides the fix; debuginfo counts only with the running
// kernel's build-id (an ELF linked here with a build-id, readelf as oracle).
import fs from 'node:fs';
import path from 'node:path';
import { btfCheck, debuginfoCheck } from '../../src/doctor/debugInfoChecks.js';
import { debuginfoFix } from '../../src/doctor/debuginfoFix.js';
import { distroFamily, parseOsRelease, type OsRelease } from '../../src/doctor/osRelease.js';
import { makeTempDir, run } from '../debuginfo/toolchain.js';

const OS_RELEASES: Record<string, string> = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
  ubuntu: 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
  fedora: 'NAME="Fedora Linux"\nVERSION="40 (Workstation Edition)"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Workstation Edition)"\n',
  centos: 'NAME="CentOS Stream"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n',
};

const RELEASES: Record<string, string> = {
  debian: '6.1.0-56-amd64',
  ubuntu: '6.8.0-45-generic',
  fedora: '6.10.6-200.fc40.x86_64',
  centos: '5.14.0-503.el9.x86_64',
  alpine: '6.6.49-0-lts',
};

const os = (name: string): OsRelease => parseOsRelease(OS_RELEASES[name]!);

let dir: string;
beforeAll(() => {
  dir = makeTempDir('doctor');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('os-release: ID, ID_LIKE, codename; Ubuntu is not taken for Debian', () => {
  expect(os('ubuntu')).toEqual({ id: 'ubuntu', idLike: ['debian'], codename: 'noble', prettyName: 'Ubuntu 24.04.1 LTS' });
  expect(os('centos')).toMatchObject({ id: 'centos', idLike: ['rhel', 'fedora'] });
  expect(Object.keys(OS_RELEASES).map((k) => distroFamily(os(k)))).toEqual(['debian', 'ubuntu', 'fedora', 'fedora', 'other']);
  expect(parseOsRelease('')).toEqual({ id: '', idLike: [], codename: undefined, prettyName: undefined });
});

test('the debuginfo fix for each distribution, for its own kernels and for others', () => {
  const fixes = Object.keys(OS_RELEASES).map((k) => `${k}: ${debuginfoFix(os(k), RELEASES[k]!)}`);
  fixes.push(`debian, foreign kernel: ${debuginfoFix(os('debian'), '6.18.44-fc-v669')}`);
  expect(fixes.join('\n')).toMatchSnapshot();
  expect(debuginfoFix(os('debian'), '6.1.0-56-amd64')).toMatch(/^apt-get install linux-image-6\.1\.0-56-amd64-dbg /);
  expect(debuginfoFix(os('ubuntu'), '6.8.0-45-generic')).toMatch(/ddebs\.ubuntu\.com noble .*linux-image-6\.8\.0-45-generic-dbgsym$/);
  expect(debuginfoFix(os('fedora'), RELEASES.fedora!)).toBe('dnf debuginfo-install kernel-6.10.6-200.fc40.x86_64');
});

test('BTF: the running kernel file, another source for the release, or a warning with the fix', () => {
  const btf = path.join(dir, 'vmlinux.btf');
  fs.writeFileSync(btf, Buffer.alloc(2_500_000));
  expect(btfCheck({ release: 'r', btfFile: btf })).toEqual({ name: 'BTF', optional: true, ok: true, detail: `${btf} (2.5 MB): kprobe arguments by name and C type` });
  expect(btfCheck({ release: 'r', btfFile: '/nonexistent', otherBtf: '/x/vmlinux' })).toMatchObject({ ok: true, detail: "no /nonexistent, but /x/vmlinux carries r's BTF: kprobe arguments by name and C type" });
  const missing = btfCheck({ release: 'r', btfFile: '/nonexistent' });
  expect(missing).toMatchObject({ ok: false, optional: true });
  expect(missing.detail).toMatch(/CONFIG_DEBUG_INFO_BTF, so kprobe arguments are positional/);
  expect(missing.fix).toMatch(/--kernel debian:6\.1/);
});

test('debuginfo counts only with the running kernel build-id', () => {
  fs.writeFileSync(path.join(dir, 'k.c'), 'int main(void) { return 0; }\n');
  run('gcc', ['-g', '-Wl,--build-id=sha1', 'k.c', '-o', 'vmlinux'], dir);
  const vmlinux = path.join(dir, 'vmlinux');
  const id = /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', vmlinux]))![1]!;
  const input = { release: RELEASES.debian!, os: os('debian'), candidates: ['/nonexistent/vmlinux', vmlinux] };

  const ok = debuginfoCheck({ ...input, buildId: id });
  expect(ok).toMatchObject({ name: 'debuginfo', optional: true, ok: true, detail: `${vmlinux}, build-id ${id} matches the running kernel: statement probes work` });

  const other = debuginfoCheck({ ...input, buildId: 'ab'.repeat(20) });
  expect(other.ok).toBe(false);
  expect(other.detail).toBe(`the running kernel's build-id is ${'ab'.repeat(20)}, but ${vmlinux} has build-id ${id}: guru refuses debuginfo of another build`);
  expect(other.fix).toMatch(/^apt-get install linux-image-6\.1\.0-56-amd64-dbg/);

  const none = debuginfoCheck({ ...input, candidates: ['/nonexistent/vmlinux'], buildId: id });
  expect(none).toMatchObject({ ok: false, detail: 'no vmlinux with DWARF for 6.1.0-56-amd64 (looked at /nonexistent/vmlinux): statement probes need it' });
  expect(debuginfoCheck({ ...input, buildId: undefined }).detail).toMatch(/build-id is unreadable/);
});
