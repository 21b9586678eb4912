// Which package has a binary's debug information (src/debuginfo/debugPackages.ts),
// with a fake dpkg and apt (HostPackages): PKG-dbg where apt knows one
// (libc6-dbg), else PKG-dbgsym from Debian's debug archive; a binary no
// package owns says so. And at a probe that needs what is not there
// (test/fixtures/programs/uvars.c built here with gcc, stripped: its static
// helper() is named only by the full symbol table), the refusal names the
// package and the debug file's path by build-id, as text; with that debug
// file under .build-id/ (objcopy --only-keep-debug), helper() is found at
// the address nm gives it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { debugPackageHint, debugPackageOf, dpkgHostPackages, packagePaths, type HostPackages } from '../../src/debuginfo/debugPackages.js';
import { parseSpec } from '../../src/parseSpec.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { buildIdDebugPath } from '../../src/probeFamilies/uprobe/userDebuginfo.js';
import { readUserBinary } from '../../src/probeFamilies/uprobe/userFunctions.js';
import { fakeKernelFacts } from '../helpers/fakeKernelFacts.js';
import { refusalText } from '../helpers/specRefusal.js';

const SOURCE = path.resolve('test/fixtures/programs/uvars.c');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-debugpkg-'));
  await execa('gcc', ['-O2', '-g', '-o', `${dir}/uvars`, SOURCE]);
  // -rdynamic: bump() and its callers are exported (.dynsym), helper() is static.
  await execa('gcc', ['-O2', '-g', '-rdynamic', '-o', `${dir}/exported`, SOURCE]);
  fs.copyFileSync(`${dir}/exported`, `${dir}/stripped`);
  await execa('strip', ['--strip-all', `${dir}/stripped`]);
  fs.copyFileSync(`${dir}/uvars`, `${dir}/bare`);
  await execa('strip', ['--strip-all', `${dir}/bare`]);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** dpkg and apt as a table: which package owns which path, which packages apt knows. */
function fakeHost(owners: Record<string, string>, known: string[], codename = 'bookworm'): HostPackages {
  return { owner: (f) => owners[f], known: (n) => known.includes(n), codename: () => codename };
}

const spec = (probes: string) => parseSpec('u.yaml', `guru: 1\nname: u\nprobes:\n${probes}`);

test('PKG-dbg where apt knows it, else PKG-dbgsym from the debug archive (saying how apt gets to know it); dpkg is asked for the merged-/usr twin too', () => {
  const libc = fakeHost({ '/lib/x86_64-linux-gnu/libc.so.6': 'libc6' }, ['libc6-dbg']);
  expect(debugPackageOf('/usr/lib/x86_64-linux-gnu/libc.so.6', libc)).toEqual({ binaryPackage: 'libc6', debugPackage: 'libc6-dbg', archive: 'main', known: true, codename: 'bookworm' });
  expect(debugPackageHint('/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/debug/.build-id/93/ac61.debug', libc)).toBe(
    'install libc6-dbg, the debug information of libc6 (apt-get install libc6-dbg), which puts it at /usr/lib/debug/.build-id/93/ac61.debug',
  );
  const ls = fakeHost({ '/bin/ls': 'coreutils' }, []);
  expect(debugPackageHint('/usr/bin/ls', undefined, ls)).toBe(
    'install coreutils-dbgsym, the debug information of coreutils, from Debian\'s debug archive (apt-get install coreutils-dbgsym; apt does not know it yet: add "deb http://deb.debian.org/debian-debug bookworm-debug main" to its sources and run apt-get update)',
  );
  expect(debugPackageHint('/usr/bin/ls', undefined, fakeHost({ '/bin/ls': 'coreutils' }, ['coreutils-dbgsym']))).toBe(
    "install coreutils-dbgsym, the debug information of coreutils, from Debian's debug archive (apt-get install coreutils-dbgsym)",
  );
  expect(debugPackageHint('/opt/x/prog', undefined, fakeHost({}, []))).toBe('/opt/x/prog belongs to no Debian package (dpkg -S knows no package of it): rebuild it with gcc -g');
  expect(packagePaths('/usr/sbin/nothing-here')).toEqual(['/usr/sbin/nothing-here', '/sbin/nothing-here']);
});

test("this machine's dpkg: libc's real path (/usr/lib/..., which dpkg does not record on merged /usr) finds libc's package; the test's own build has none", async () => {
  const libc = fs.realpathSync('/lib/x86_64-linux-gnu/libc.so.6');
  // dpkg-query itself is the oracle for the path it records.
  const { stdout } = await execa('dpkg-query', ['-S', '/lib/x86_64-linux-gnu/libc.so.6']);
  expect(debugPackageOf(libc, dpkgHostPackages)).toMatchObject({ binaryPackage: stdout.split(':')[0] });
  expect(debugPackageOf(`${dir}/stripped`, dpkgHostPackages)).toEqual({ unowned: true });
});

test('a static function of a stripped binary without its debug file: refused, naming the package (or that none owns it) and the debug file by build-id', () => {
  const buildId = readUserBinary(`${dir}/stripped`).buildId!;
  expect(readUserBinary(`${dir}/stripped`).fullSymbols).toBe(false);
  const probe = `  - on: uprobe:${dir}/stripped:helper\n`;
  const owned = refusalText(() => buildPlan(spec(probe), { ...fakeKernelFacts(), hostPackages: fakeHost({ [`${dir}/stripped`]: 'uvars' }, ['uvars-dbg']) }));
  const unowned = refusalText(() => buildPlan(spec(probe), { ...fakeKernelFacts(), hostPackages: fakeHost({}, []) }));
  const clean = (t: string) => t.replaceAll(dir, 'DIR').replaceAll(`${buildId.slice(0, 2)}/${buildId.slice(2)}`, 'BU/ILDID');
  expect(clean(owned)).toMatchSnapshot();
  expect(clean(unowned)).toMatchSnapshot();
  // An executable that exports nothing has no function left at all once stripped.
  const bare = refusalText(() => buildPlan(spec(`  - on: uprobe:${dir}/bare:bump\n`), { ...fakeKernelFacts(), hostPackages: fakeHost({}, []) }));
  expect(bare.replaceAll(dir, 'DIR').replace(/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug/, '.build-id/BU/ILDID.debug')).toMatchSnapshot();
  // A statement probe needs DWARF: its refusal names the package too.
  const line = refusalText(() => buildPlan(spec(`  - on: ustatement:${dir}/stripped:bump@uvars.c:34\n`), { ...fakeKernelFacts(), hostPackages: fakeHost({ [`${dir}/stripped`]: 'uvars' }, []) }));
  expect(clean(line)).toMatchSnapshot();
});

test("with the debug file under .build-id/, a stripped binary's static functions are found at nm's addresses (from the debug file's .symtab)", async () => {
  const root = path.join(dir, 'debug');
  const buildId = readUserBinary(`${dir}/stripped`).buildId!;
  const debugFile = buildIdDebugPath(buildId, root);
  fs.mkdirSync(path.dirname(debugFile), { recursive: true });
  await execa('objcopy', ['--only-keep-debug', `${dir}/exported`, debugFile]);
  const { stdout } = await execa('nm', [`${dir}/exported`]);
  const nm = /^([0-9a-f]+) t helper$/m.exec(stdout)!;
  const binary = readUserBinary(`${dir}/stripped`, root);
  expect(binary.fullSymbols).toBe(true);
  const helper = binary.functions.get('helper')!;
  expect(helper.map((f) => ({ address: f.address, table: f.table }))).toEqual([{ address: BigInt(`0x${nm[1]}`), table: 'debug' }]);
  // The file offset is the stripped binary's own (its segments): the debug file has no code bytes.
  expect(binary.bytesAt(helper[0]!.fileOffset, 4)).toEqual(readUserBinary(`${dir}/exported`).bytesAt(readUserBinary(`${dir}/exported`).functions.get('helper')![0]!.fileOffset, 4));
});
