// Assemble a QEMU command line from a fully decided machine description.
// No policy here (which kernel, how much memory, KVM or TCG are decided in
// vmPolicy.ts): this file only knows QEMU's spelling, so it is a pure
// function that tests can check without booting anything.
import type { Accelerator, TcgThreads } from './accelerator.js';

export interface QemuMachine {
  binary: string;
  accel: Accelerator;
  /**
   * TCG with several CPUs: one host thread per guest CPU ('multi') or all
   * guest CPUs on one host thread in turn ('single'). Ignored under KVM and
   * with icount (which always runs one thread).
   */
  tcgThreads?: TcgThreads;
  cpuModel: string;
  cpus: number;
  memMB: number;
  machineType: string;
  /** Firmware; undefined = QEMU's default SeaBIOS. */
  bios?: string;
  kernel: string;
  initrd: string;
  append: string;
  /** Host folder shared read-only over 9p under this mount tag. */
  share: { hostPath: string; tag: string };
  /** Inherited socket fd that receives the serial console (ttyS0). */
  serialFd: number;
  /** virtio console ports, each backed by an inherited socket fd. */
  ports: { name: string; fd: number }[];
  /**
   * TCG only: count guest instructions instead of host time
   * (`-icount shift=0,sleep=off`: the guest's clock advances 1 ns per
   * instruction, so timing inside the guest counts instructions).
   */
  icount?: boolean;
  /** More QEMU arguments, appended as they are. */
  extraArgs?: readonly string[];
}

export function qemuArgv(m: QemuMachine): string[] {
  const argv = [
    m.binary,
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-monitor', 'none',
    // A guest reboot (panic=-1 turns panics into reboots) ends QEMU instead of looping.
    '-no-reboot',
    '-machine', m.machineType,
    '-accel', m.accel === 'tcg' && m.cpus > 1 && !m.icount ? `tcg,thread=${m.tcgThreads ?? 'single'}` : m.accel,
    ...(m.icount ? ['-icount', 'shift=0,sleep=off'] : []),
    '-cpu', m.cpuModel,
    '-smp', String(m.cpus),
    '-m', String(m.memMB),
    ...(m.bios ? ['-bios', m.bios] : []),
    '-kernel', m.kernel,
    '-initrd', m.initrd,
    '-append', m.append,
    '-nic', 'none',
    // multidevs=remap: the host root spans several filesystems; without it
    // inode numbers collide in the guest.
    '-virtfs', `local,path=${escapeOption(m.share.hostPath)},mount_tag=${m.share.tag},security_model=none,readonly=on,multidevs=remap`,
    '-chardev', `socket,id=serial0,fd=${m.serialFd}`,
    '-serial', 'chardev:serial0',
    '-device', 'virtio-serial-pci,id=vser0',
  ];
  m.ports.forEach((port, i) => {
    argv.push('-chardev', `socket,id=port${i},fd=${port.fd}`, '-device', `virtserialport,bus=vser0.0,chardev=port${i},name=${port.name}`);
  });
  argv.push(...(m.extraArgs ?? []));
  return argv;
}

/** QEMU option values escape a comma by doubling it. */
function escapeOption(value: string): string {
  return value.replace(/,/g, ',,');
}
