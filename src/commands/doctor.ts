// guru doctor: can this machine apply patches? Each check says what it
// found and, when it fails, the command that fixes it.
import fs from 'node:fs';
import os from 'node:os';
import type { GuruCommand } from './command.js';
import { ExitCode } from '../errors.js';
import { findHeadersDir } from '../kernelStore/findHeadersDir.js';
import type { DoctorCheck } from '../doctor/doctorCheck.js';

export type { DoctorCheck } from '../doctor/doctorCheck.js';

function kernelConfig(release: string): Map<string, string> | undefined {
  for (const f of [`/boot/config-${release}`, `/lib/modules/${release}/build/.config`]) {
    if (!fs.existsSync(f)) continue;
    const out = new Map<string, string>();
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^(CONFIG_[A-Z0-9_]+)=(.*)$/gm)) out.set(m[1], m[2]);
    return out;
  }
  return undefined;
}

async function hasCommand(cmd: string, args: string[] = ['--version']): Promise<boolean> {
  const { execa } = await import('execa'); // loaded on demand: keeps every other command's start-up light
  try {
    return (await execa(cmd, args, { reject: false })).exitCode === 0;
  } catch {
    return false;
  }
}

export async function runDoctorChecks(): Promise<DoctorCheck[]> {
  const release = os.release();
  const checks: DoctorCheck[] = [];
  const root = process.getuid?.() === 0;
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : `running as uid ${process.getuid?.()}`, fix: 'sudo guru ...' });

  const config = kernelConfig(release);
  const modules = fs.existsSync('/proc/modules');
  checks.push({
    name: 'CONFIG_MODULES',
    ok: modules,
    detail: modules ? 'this kernel loads modules' : `${release} was built without module support`,
    fix: 'apply patches in a disposable VM instead: guru apply SPEC --vm debian:6.1',
  });
  const kprobes = config ? config.get('CONFIG_KPROBES') === 'y' : fs.existsSync('/sys/kernel/debug/kprobes') || fs.existsSync('/sys/bus/event_source/devices/kprobe');
  checks.push({
    name: 'CONFIG_KPROBES',
    ok: kprobes,
    detail: kprobes ? 'kprobes available' : config ? 'CONFIG_KPROBES is not set' : 'no kernel config found and no kprobe interface visible',
    fix: 'use a kernel with CONFIG_KPROBES=y (Debian\'s are), e.g. in a VM: --vm debian:6.1',
  });

  let lockdown = 'none';
  try {
    lockdown = /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/security/lockdown', 'utf8'))?.[1] ?? 'none';
  } catch {
    /* no lockdown LSM: nothing locked down */
  }
  checks.push({
    name: 'lockdown',
    ok: lockdown === 'none',
    detail: `lockdown mode: ${lockdown}`,
    fix: 'lockdown (usually from Secure Boot) refuses unsigned modules: disable Secure Boot, or use a VM (--vm debian:6.1)',
  });

  let sigEnforce = false;
  try {
    sigEnforce = fs.readFileSync('/sys/module/module/parameters/sig_enforce', 'utf8').trim() === 'Y';
  } catch {
    sigEnforce = config?.get('CONFIG_MODULE_SIG_FORCE') === 'y';
  }
  checks.push({
    name: 'module signatures',
    ok: !sigEnforce,
    detail: sigEnforce ? 'the kernel only loads signed modules' : 'unsigned modules load (they taint the kernel)',
    fix: 'boot without module.sig_enforce=1, or use a VM (--vm debian:6.1)',
  });

  const headers = findHeadersDir(release);
  checks.push({
    name: 'headers',
    ok: headers !== undefined,
    detail: headers ? `kernel headers in ${headers}` : `no headers for ${release}`,
    fix: `apt-get install linux-headers-${release}`,
  });

  const gcc = await hasCommand('gcc');
  const make = await hasCommand('make');
  checks.push({ name: 'compiler', ok: gcc && make, detail: gcc && make ? 'gcc and make found' : `missing: ${[!gcc && 'gcc', !make && 'make'].filter(Boolean).join(', ')}`, fix: 'apt-get install build-essential' });

  const qemu = await hasCommand('qemu-system-x86_64');
  checks.push({ name: 'qemu (for --vm)', ok: qemu, detail: qemu ? 'qemu-system-x86_64 found' : 'qemu-system-x86_64 not found', fix: 'apt-get install qemu-system-x86 busybox-static cpio' });

  // Optional: typed kprobe arguments (BTF) and statement probes (debuginfo with a matching build-id).
  const { btfCheck, debuginfoCheck } = await import('../doctor/debugInfoChecks.js');
  const { findBtfFile } = await import('../kernelFacts/btfLocation.js');
  const { readOsRelease } = await import('../doctor/osRelease.js');
  const { buildIdFromNotesFile } = await import('../debuginfo/elfNotes.js');
  const { findStoredKernel } = await import('../kernelStore/resolveKernel.js');
  checks.push(btfCheck({ release, otherBtf: findBtfFile(release, headers) }));
  let buildId: string | undefined;
  try {
    buildId = buildIdFromNotesFile('/sys/kernel/notes');
  } catch {
    buildId = undefined; // unreadable: the check says so
  }
  checks.push(debuginfoCheck({ release, os: readOsRelease(), buildId, stored: findStoredKernel(release)?.debuginfo?.vmlinux }));
  return checks;
}

export const doctorCommand: GuruCommand<{ json?: boolean }> = {
  command: 'doctor',
  describe: 'check what applying patches needs on this machine, with a fix for each problem',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (args) => {
    const checks = await runDoctorChecks();
    if (args.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
    else {
      for (const c of checks) {
        process.stdout.write(`${c.ok ? 'ok  ' : c.optional ? 'warn' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!c.ok && c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
      }
    }
    // Applying in place needs everything but qemu; --vm needs only qemu + compiler.
    const local = checks.filter((c) => c.name !== 'qemu (for --vm)' && !c.optional).every((c) => c.ok);
    const vm = checks.filter((c) => ['compiler', 'qemu (for --vm)'].includes(c.name)).every((c) => c.ok);
    if (!args.json) process.stdout.write(local ? 'guru apply works here.\n' : vm ? 'guru apply works here only with --vm.\n' : 'guru apply cannot work here yet; see the fixes above.\n');
    process.exitCode = local || vm ? ExitCode.ok : ExitCode.environment;
  },
};
