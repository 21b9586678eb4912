// guru's private view of Debian's archive, against the real archive: the
// lists live in guru's cache (the host's sources are not read), every
// suite's Release file verifies against the host's debian-archive-keyring,
// stanzas and madison lines parse, and Debian versions sort as dpkg sorts
// them (dpkg --compare-versions is the oracle).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../../src/cacheDir.js';
import { aptUpdate, aptVersions, ensureFreshLists, parseDepends, parseMadison, parseStanza, privateAptOptions } from '../../src/debianArchive/apt.js';
import { allSuites, ARCHIVE_KEYRING, archiveSources, findDebianRelease, releaseOfSuite } from '../../src/debianArchive/debianReleases.js';
import { compareDebianVersions } from '../../src/debianArchive/debianVersion.js';
import { availableImages } from '../../src/kernelStore/debianKernelPackages.js';

const SLOW = 300_000;

test('parseStanza and parseDepends read apt-cache show output, with the exact versions relations name', () => {
  const pkg = parseStanza(
    'Package: linux-headers-6.12.1-amd64\nVersion: 6.12.1-1\nSize: 1234\nDepends: linux-base (>= 4.12~), linux-headers-6.12.1-common (= 6.12.1-1),\n linux-image-6.12.1-amd64 (= 6.12.1-1) | linux-image-6.12.1-amd64-unsigned (= 6.12.1-1), gcc-12:any\nDescription: x\n\nPackage: other\n',
  );
  expect(pkg).toEqual({
    name: 'linux-headers-6.12.1-amd64',
    version: '6.12.1-1',
    size: 1234,
    depends: [['linux-base'], ['linux-headers-6.12.1-common'], ['linux-image-6.12.1-amd64', 'linux-image-6.12.1-amd64-unsigned'], ['gcc-12']],
    exactDepends: { 'linux-headers-6.12.1-common': '6.12.1-1', 'linux-image-6.12.1-amd64': '6.12.1-1', 'linux-image-6.12.1-amd64-unsigned': '6.12.1-1' },
  });
  expect(parseDepends('')).toEqual([]);
});

test('parseMadison reads the suite of each version', () => {
  expect(
    parseMadison(
      'linux-image-amd64 | 7.3.4-1~bpo13+1 | http://deb.debian.org/debian trixie-backports/main amd64 Packages\n' +
        'linux-image-amd64 | 6.12.118-1 | http://deb.debian.org/debian-security trixie-security/main amd64 Packages\n',
    ),
  ).toEqual([
    { name: 'linux-image-amd64', version: '7.3.4-1~bpo13+1', suite: 'trixie-backports' },
    { name: 'linux-image-amd64', version: '6.12.118-1', suite: 'trixie-security' },
  ]);
});

test('releases and suites: names, aliases, and the release of each suite', () => {
  expect(findDebianRelease('13')?.codename).toBe('trixie');
  expect(findDebianRelease('unstable')?.codename).toBe('sid');
  expect(findDebianRelease('buster')).toBeUndefined();
  expect(releaseOfSuite('trixie-backports')?.codename).toBe('trixie');
  expect(releaseOfSuite('bookworm-security')?.codename).toBe('bookworm');
  expect(allSuites()).toEqual(expect.arrayContaining(['bookworm', 'bookworm-backports', 'trixie', 'trixie-backports', 'sid']));
  expect(archiveSources()).toContain(`Signed-By: ${ARCHIVE_KEYRING}`);
  expect(archiveSources()).not.toMatch(/trusted|allow-insecure/i);
});

describe('the private lists', () => {
  beforeAll(() => ensureFreshLists(), SLOW);

  test("live in guru's cache, one verified InRelease per suite, and leave the host's apt alone", async () => {
    const lists = cacheDir('apt', 'state', 'lists');
    const inReleases = fs.readdirSync(lists).filter((f) => f.endsWith('_InRelease'));
    for (const suite of allSuites()) {
      const file = inReleases.find((f) => f.endsWith(`_dists_${suite}_InRelease`));
      expect(file).toBeDefined();
      // The same check apt made: the signature is good under the host's keyring, and only under it.
      const r = await execa('gpgv', ['--keyring', ARCHIVE_KEYRING, path.join(lists, file!)], { reject: false });
      expect(r.stderr).toMatch(/Good signature from "Debian/);
      expect(r.exitCode).toBe(0);
    }
    expect(privateAptOptions().join(' ')).not.toContain('/var/lib/apt');
    const ours = execFileSync('apt-cache', [...privateAptOptions(), 'policy'], { encoding: 'utf8' });
    expect(ours).toMatch(/trixie-backports\/main amd64 Packages/);
  });

  test("a refresh leaves the host's lists as they were", async () => {
    const snapshot = (): string[] => fs.readdirSync('/var/lib/apt/lists').map((f) => `${f} ${fs.statSync(path.join('/var/lib/apt/lists', f)).mtimeMs}`);
    const before = snapshot();
    await aptUpdate();
    expect(snapshot()).toEqual(before);
  }, SLOW);

  test('compareDebianVersions orders every kernel build the archive has as dpkg does', async () => {
    const tricky = ['1:0.1', '6.12.117-1~deb12u1', '6.12.117-1', '6.12.117', '6.1.0~rc1-1', '6.1.0-1', '2.0a-1', '2.0-1', '2.0+b1-1', '2.0-1.1', '2.00-2'];
    const versions = [...new Set([...(await availableImages()).map((v) => v.version), ...tricky])];
    const byDpkg = (a: string, b: string): number => {
      try {
        execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
        return -1;
      } catch {
        return a === b ? 0 : 1;
      }
    };
    // dpkg on each neighbouring pair of our order (enough to prove the order is dpkg's).
    const sorted = [...versions].sort(compareDebianVersions);
    expect(sorted.length).toBeGreaterThan(20);
    for (let i = 1; i < sorted.length; i++) expect([sorted[i - 1], sorted[i], byDpkg(sorted[i - 1], sorted[i])]).toEqual([sorted[i - 1], sorted[i], -1]);
  }, SLOW);

  test('madison finds a kernel build in the suite that ships it', async () => {
    const images = await availableImages();
    expect(images.some((v) => v.suite === 'trixie-backports')).toBe(true);
    expect(images.some((v) => v.suite === 'sid')).toBe(true);
    expect(images.every((v) => releaseOfSuite(v.suite) !== undefined)).toBe(true);
    const one = images.find((v) => v.suite === 'trixie-backports')!;
    expect(await aptVersions([one.name])).toContainEqual(one);
  });
});
