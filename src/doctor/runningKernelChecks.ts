// `guru doctor` without --kernel: can this machine apply patches to its own
// kernel (guru apply SPEC, in place)? The VM path is reported too, as a
// warning, since it is the way out when the answer is no.
import fs from 'node:fs';
import os from 'node:os';
import { findHeadersDir } from '../kernelStore/findHeadersDir.js';
import { configSignatureCheck, kprobesCheck } from './configChecks.js';
import type { DoctorCheck } from './doctorCheck.js';
import { hasCommand } from './hostTools.js';
import { readKernelConfig } from './kernelConfig.js';

const VM_FIX = 'apply patches in a disposable VM instead: guru apply SPEC --vm debian:6.1 (guru doctor --kernel debian:6.1 checks that way)';

export async function runningKernelChecks(): Promise<DoctorCheck[]> {
  const release = os.release();
  const checks: DoctorCheck[] = [];
  const root = process.getuid?.() === 0;
  checks.push({ name: 'root', ok: root, detail: root ? 'running as root' : `running as uid ${process.getuid?.()}`, fix: 'sudo guru ...' });

  const config = readKernelConfig([`/boot/config-${release}`, `/lib/modules/${release}/build/.config`])?.config;
  const modules = fs.existsSync('/proc/modules');
  checks.push({ name: 'CONFIG_MODULES', ok: modules, detail: modules ? 'this kernel loads modules' : `${release} was built without module support`, fix: VM_FIX });
  const kprobesVisible = fs.existsSync('/sys/kernel/debug/kprobes') || fs.existsSync('/sys/bus/event_source/devices/kprobe');
  checks.push(kprobesCheck(config, kprobesVisible, "use a kernel with CONFIG_KPROBES=y (Debian's are), e.g. in a VM: --vm debian:6.1"));

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

  let sigEnforce: boolean | undefined;
  try {
    sigEnforce = fs.readFileSync('/sys/module/module/parameters/sig_enforce', 'utf8').trim() === 'Y';
  } catch {
    sigEnforce = undefined; // no such parameter: the config says
  }
  if (sigEnforce !== undefined || !config) {
    checks.push({
      name: 'module signatures',
      ok: !sigEnforce,
      detail: sigEnforce ? 'the kernel only loads signed modules' : 'unsigned modules load (they taint the kernel)',
      fix: 'boot without module.sig_enforce=1, or use a VM (--vm debian:6.1)',
    });
  } else checks.push(configSignatureCheck(release, config));

  const headers = findHeadersDir(release);
  checks.push({ name: 'headers', ok: headers !== undefined, detail: headers ? `kernel headers in ${headers}` : `no headers for ${release}`, fix: `apt-get install linux-headers-${release}` });

  const gcc = hasCommand('gcc');
  const make = hasCommand('make');
  checks.push({ name: 'compiler', ok: gcc && make, detail: gcc && make ? 'gcc and make found' : `missing: ${[!gcc && 'gcc', !make && 'make'].filter(Boolean).join(', ')}`, fix: 'apt-get install build-essential' });

  const qemu = hasCommand('qemu-system-x86_64');
  checks.push({
    name: 'qemu (for --vm)',
    ok: qemu,
    optional: true,
    detail: qemu ? 'qemu-system-x86_64 found' : 'qemu-system-x86_64 not found: applying here needs none, --vm does',
    fix: 'apt-get install qemu-system-x86 busybox-static cpio',
  });

  // Optional: typed kprobe arguments (BTF) and statement probes (debuginfo with a matching build-id).
  const { btfCheck, debuginfoCheck } = await import('./debugInfoChecks.js');
  const { findBtfFile } = await import('../kernelFacts/btfLocation.js');
  const { readOsRelease } = await import('./osRelease.js');
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
