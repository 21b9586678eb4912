// The VM's parts that need no boot: the QEMU command line, the initramfs
// archive format, the guest status line, the command script (run by the
// host's own sh, as the guest does), and module load order read from the
// stored kernel's own modules.dep.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ensureKernel } from '../../src/kernelStore/ensureKernel.js';
import { cpioArchive } from '../../src/vm/cpioArchive.js';
import { guestCommandScript } from '../../src/vm/guestCommand.js';
import { guestModuleLoadOrder, moduleNameOf, parseModulesDep } from '../../src/vm/guestModules.js';
import { parseGuestStatus } from '../../src/vm/guestStatus.js';
import { qemuArgv, type QemuMachine } from '../../src/vm/qemuCommandLine.js';

const machine: QemuMachine = {
  binary: 'qemu-system-x86_64',
  accel: 'tcg',
  cpuModel: 'qemu64',
  cpus: 1,
  memMB: 1024,
  machineType: 'q35',
  bios: '/usr/share/qemu/qboot.rom',
  kernel: '/k/vmlinux',
  initrd: '/k/init.cpio',
  append: 'console=ttyS0 guru.run=/tmp/x',
  share: { hostPath: '/', tag: 'hostroot' },
  serialFd: 3,
  ports: [
    { name: 'guru.stdout', fd: 4 },
    { name: 'guru.status', fd: 5 },
  ],
};

describe('qemuArgv', () => {
  test('spells the machine, shares the root read-only with remapped inodes, and wires ports to inherited fds', () => {
    const argv = qemuArgv(machine);
    const joined = argv.join(' ');
    expect(argv[0]).toBe('qemu-system-x86_64');
    expect(joined).toContain('-accel tcg -cpu qemu64 -smp 1 -m 1024');
    expect(joined).toContain('-no-reboot');
    expect(joined).toContain('-bios /usr/share/qemu/qboot.rom -kernel /k/vmlinux -initrd /k/init.cpio');
    expect(argv[argv.indexOf('-append') + 1]).toBe('console=ttyS0 guru.run=/tmp/x');
    expect(joined).toContain('-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap');
    expect(joined).toContain('-chardev socket,id=serial0,fd=3 -serial chardev:serial0');
    expect(joined).toContain('-chardev socket,id=port0,fd=4 -device virtserialport,bus=vser0.0,chardev=port0,name=guru.stdout');
    expect(joined).toContain('-chardev socket,id=port1,fd=5 -device virtserialport,bus=vser0.0,chardev=port1,name=guru.status');
  });

  test('single-threaded TCG for several CPUs unless asked (multi-threaded TCG breaks kernel text patching), the host CPU under KVM, commas escaped', () => {
    expect(qemuArgv({ ...machine, cpus: 2 }).join(' ')).toContain('-accel tcg,thread=single');
    expect(qemuArgv({ ...machine, cpus: 2, tcgThreads: 'multi' }).join(' ')).toContain('-accel tcg,thread=multi');
    expect(qemuArgv({ ...machine, accel: 'kvm', cpuModel: 'host', cpus: 2 }).join(' ')).toContain('-accel kvm -cpu host -smp 2');
    expect(qemuArgv({ ...machine, share: { hostPath: '/a,b', tag: 't' } }).join(' ')).toContain('path=/a,,b,');
    expect(qemuArgv({ ...machine, bios: undefined })).not.toContain('-bios');
  });

  test('instruction counting: -icount shift=0,sleep=off on single-threaded TCG; extra arguments go last', () => {
    const argv = qemuArgv({ ...machine, cpus: 2, icount: true, extraArgs: ['-d', 'nochain'] });
    expect(argv.join(' ')).toContain('-accel tcg -icount shift=0,sleep=off -cpu qemu64 -smp 2');
    expect(argv.slice(-2)).toEqual(['-d', 'nochain']);
    expect(qemuArgv(machine)).not.toContain('-icount');
  });
});

test('cpioArchive writes newc that cpio(1) reads back: dirs, files, symlinks, a device node', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cpio-'));
  try {
    const archive = cpioArchive([
      { kind: 'dir', path: '/bin' },
      { kind: 'file', path: '/bin/hello', data: Buffer.from('hi there\n'), mode: 0o755 },
      { kind: 'symlink', path: '/bin/alias', target: 'hello' },
      { kind: 'chardev', path: '/console', major: 5, minor: 1 },
    ]);
    expect(archive.length % 512).toBe(0);
    const file = path.join(dir, 'a.cpio');
    fs.writeFileSync(file, archive);
    const listing = await execa('cpio', ['-itv', '--quiet'], { inputFile: file });
    const lines = listing.stdout.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^-rwxr-xr-x .* 9 .* bin\/hello$/);
    expect(lines[2]).toMatch(/^lrwxrwxrwx .* bin\/alias -> hello$/);
    expect(lines[3]).toMatch(/^crw------- .* 5,\s+1 .* console$/);
    const content = await execa('cpio', ['-i', '--quiet', '--to-stdout', 'bin/hello'], { inputFile: file });
    expect(content.stdout).toBe('hi there');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('parseGuestStatus reads exit and error lines and ignores noise', () => {
  expect(parseGuestStatus('guru-exit 7 120 0')).toEqual({ kind: 'exit', exitCode: 7, stdoutBytes: 120, stderrBytes: 0 });
  expect(parseGuestStatus('guru-exit 0  ')).toEqual({ kind: 'exit', exitCode: 0, stdoutBytes: 0, stderrBytes: 0 });
  expect(parseGuestStatus('guru-error cannot mount the host root over 9p')).toEqual({ kind: 'error', message: 'cannot mount the host root over 9p' });
  expect(parseGuestStatus('[    2.1] random kernel line')).toBeUndefined();
});

test("the command script enters the cwd, sets the environment and passes argv verbatim (run by the host's sh)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cmd-'));
  try {
    const weird = ["it's", 'a "b" $HOME `x` \\n', '', '-n', '*'];
    const script = guestCommandScript({
      argv: ['sh', '-c', 'pwd; printf "%s|" "$@"; echo; echo "$V"', 'sh', ...weird],
      cwd: dir,
      env: { V: "v'al ue" },
    });
    fs.writeFileSync(path.join(dir, 'command.sh'), script);
    const r = await execa('env', ['-i', '/bin/sh', path.join(dir, 'command.sh')], { cwd: '/' });
    expect(r.stdout.split('\n')).toEqual([dir, `${weird.join('|')}|`, "v'al ue"]);
    const missing = guestCommandScript({ argv: ['true'], cwd: path.join(dir, 'nope'), env: {} });
    fs.writeFileSync(path.join(dir, 'missing.sh'), missing);
    const m = await execa('/bin/sh', [path.join(dir, 'missing.sh')], { reject: false });
    expect(m.exitCode).toBe(126);
    expect(m.stderr).toContain('cannot enter');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('modules.dep parsing and dependency-first order', () => {
  const deps = parseModulesDep('kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz\nkernel/net/9p/9pnet.ko.xz:\nkernel/fs/netfs/netfs.ko.xz:\n');
  expect(deps.get('9p')).toEqual({ file: 'kernel/fs/9p/9p.ko.xz', deps: ['kernel/net/9p/9pnet.ko.xz', 'kernel/fs/netfs/netfs.ko.xz'] });
  expect(moduleNameOf('kernel/drivers/char/hw_random/virtio-rng.ko')).toBe('virtio_rng');
});

test("the stored 6.1 kernel's guest modules load after their dependencies", async () => {
  const kernel = await ensureKernel('debian:6.1');
  const order = guestModuleLoadOrder(kernel.modulesDir, fs.readFileSync(kernel.config, 'utf8')).map((m) => m.name);
  // 6.1 builds all of virtio, 9p and overlayfs as modules.
  for (const m of ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay', 'virtio', 'virtio_ring', '9pnet', 'netfs']) expect(order).toContain(m);
  const before = (a: string, b: string): void => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
  before('virtio_ring', 'virtio');
  before('virtio', 'virtio_pci');
  before('9pnet', '9pnet_virtio');
  before('netfs', '9p');
  expect(new Set(order).size).toBe(order.length);
}, 600_000);
