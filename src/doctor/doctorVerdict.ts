// The last line of `guru doctor` and its exit code: 0 when every required
// check passed, 2 (the environment) when one FAILed. Warnings (optional
// checks: BTF, debuginfo, qemu for the in-place report) never fail it.
import { ExitCode } from '../errors.js';
import type { DoctorCheck } from './doctorCheck.js';

export interface DoctorVerdict {
  line: string;
  exitCode: number;
}

/** The running kernel: does guru apply work in place here? */
export function runningKernelVerdict(checks: DoctorCheck[]): DoctorVerdict {
  if (checks.every((c) => c.ok || c.optional)) return { line: 'guru apply works here.', exitCode: ExitCode.ok };
  const vmTools = checks.filter((c) => c.name === 'compiler' || c.name === 'qemu (for --vm)').every((c) => c.ok);
  return {
    line: vmTools
      ? 'guru apply cannot load patches into this kernel; use --vm (guru doctor --kernel debian:6.1 checks that way).'
      : 'guru apply cannot work here yet; see the fixes above.',
    exitCode: ExitCode.environment,
  };
}

/** Another kernel K: do guru build --kernel K and guru apply --vm K work here? */
export function storedKernelVerdict(ref: string, checks: DoctorCheck[]): DoctorVerdict {
  return checks.every((c) => c.ok || c.optional)
    ? { line: `guru build --kernel ${ref} and guru apply --vm ${ref} work here.`, exitCode: ExitCode.ok }
    : { line: `guru apply --vm ${ref} cannot work here yet; see the fixes above.`, exitCode: ExitCode.environment };
}
