// KVM or TCG. /dev/kvm existing proves nothing: on these machines it exists,
// the CPU has no vmx flag, and a KVM guest hangs before printing a byte. So
// KVM is used only when a real boot under KVM has been seen to finish; the
// verdict is cached per host boot (boot_id), since it cannot change before a
// reboot, and everything else falls back to TCG, which always works.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../cacheDir.js';
import { UserError } from '../errors.js';

export type Accelerator = 'kvm' | 'tcg';

/** How TCG runs several guest CPUs: a host thread each, or all on one in turn. */
export type TcgThreads = 'single' | 'multi';

export interface AcceleratorChoice {
  accel: Accelerator;
  /** Why, in words for `guru vm --verbose` and the bench output. */
  reason: string;
}

interface ProbeVerdict {
  bootId: string;
  kvmWorks: boolean;
  probedAt: string;
}

/**
 * Decide once per process; PROBE boots a guest under KVM and says whether it
 * finished in time (only called when the cheap checks pass and no cached
 * verdict exists for this host boot).
 */
export async function chooseAccelerator(probe: () => Promise<boolean>): Promise<AcceleratorChoice> {
  const forced = process.env.GURU_VM_ACCEL;
  if (forced) {
    if (forced !== 'kvm' && forced !== 'tcg') throw new UserError(`GURU_VM_ACCEL=${forced}: expected kvm or tcg`);
    return { accel: forced, reason: `GURU_VM_ACCEL=${forced}` };
  }
  const cheap = kvmCheapChecks();
  if (cheap) return { accel: 'tcg', reason: cheap };
  const bootId = hostBootId();
  const cached = readVerdict();
  if (cached && cached.bootId === bootId) {
    return cached.kvmWorks
      ? { accel: 'kvm', reason: 'KVM booted a guest earlier in this host boot' }
      : { accel: 'tcg', reason: 'KVM failed to boot a guest earlier in this host boot' };
  }
  const works = await probe();
  writeVerdict({ bootId, kvmWorks: works, probedAt: new Date().toISOString() });
  return works ? { accel: 'kvm', reason: 'a probe boot under KVM finished' } : { accel: 'tcg', reason: 'a probe boot under KVM did not finish in time' };
}

/** A reason KVM cannot work here, or undefined if it might. */
export function kvmCheapChecks(): string | undefined {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return '/dev/kvm is missing or not accessible';
  }
  let cpuinfo = '';
  try {
    cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '/proc/cpuinfo is unreadable';
  }
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) return 'the CPU shows no vmx/svm flag (KVM would hang)';
  return undefined;
}

function hostBootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function verdictFile(): string {
  return cacheDir('vm', 'kvm-probe.json');
}

function readVerdict(): ProbeVerdict | undefined {
  try {
    return JSON.parse(fs.readFileSync(verdictFile(), 'utf8')) as ProbeVerdict;
  } catch {
    return undefined;
  }
}

function writeVerdict(v: ProbeVerdict): void {
  try {
    fs.mkdirSync(path.dirname(verdictFile()), { recursive: true });
    fs.writeFileSync(verdictFile(), JSON.stringify(v) + '\n');
  } catch {
    // Not cached: the next run probes again, which is slower but correct.
  }
}
