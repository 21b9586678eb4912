// guru doctor's checks for the kernel's type and debug information. Neither
// is needed to apply a patch, so a failure here is a warning: without BTF,
// kprobe arguments are positional ($arg1, untyped); without debuginfo whose
// build-id matches the running kernel, statement probes are refused.
import fs from 'node:fs';
import { openElf } from '../debuginfo/elf.js';
import { debuginfoCandidates } from '../debuginfo/findDebuginfo.js';
import { RUNNING_KERNEL_BTF } from '../kernelFacts/btfLocation.js';
import { debuginfoFix } from './debuginfoFix.js';
import type { DoctorCheck } from './doctorCheck.js';
import type { OsRelease } from './osRelease.js';

export interface BtfCheckInput {
  release: string;
  /** The running kernel's BTF file (overridable for tests). */
  btfFile?: string;
  /** Another BTF source for this release (headers vmlinux, debuginfo), from findBtfFile. */
  otherBtf?: string;
}

export function btfCheck(input: BtfCheckInput): DoctorCheck {
  const file = input.btfFile ?? RUNNING_KERNEL_BTF;
  const base = { name: 'BTF', optional: true };
  if (fs.existsSync(file)) {
    const mb = (fs.statSync(file).size / 1e6).toFixed(1);
    return { ...base, ok: true, detail: `${file} (${mb} MB): kprobe arguments by name and C type` };
  }
  if (input.otherBtf) return { ...base, ok: true, detail: `no ${file}, but ${input.otherBtf} carries ${input.release}'s BTF: kprobe arguments by name and C type` };
  return {
    ...base,
    ok: false,
    detail: `no ${file}: ${input.release} was built without CONFIG_DEBUG_INFO_BTF, so kprobe arguments are positional ($arg1..$arg6, as long)`,
    fix: "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's, Ubuntu's and Fedora's are), e.g. --kernel debian:6.1 or --vm debian:6.1",
  };
}

export interface DebuginfoCheckInput {
  release: string;
  os: OsRelease;
  /** The running kernel's build-id (/sys/kernel/notes); undefined if unreadable. */
  buildId: string | undefined;
  /** The kernel store's vmlinux with DWARF for this release, if stored. */
  stored?: string;
  /** Where to look (overridable for tests); default the distributions' paths, then the store's. */
  candidates?: string[];
}

function buildIdOf(file: string): string | undefined {
  try {
    const elf = openElf(file);
    try {
      return elf.buildId();
    } finally {
      elf.close();
    }
  } catch {
    return undefined;
  }
}

export function debuginfoCheck(input: DebuginfoCheckInput): DoctorCheck {
  const base = { name: 'debuginfo', optional: true, fix: debuginfoFix(input.os, input.release) };
  const candidates = input.candidates ?? [...debuginfoCandidates(input.release), ...(input.stored ? [input.stored] : [])];
  const present = candidates.filter((f) => fs.existsSync(f));
  if (present.length === 0) {
    return { ...base, ok: false, detail: `no vmlinux with DWARF for ${input.release} (looked at ${candidates.join(', ')}): statement probes need it` };
  }
  if (!input.buildId) {
    return { ...base, ok: false, detail: `found ${present.join(', ')}, but the running kernel's build-id is unreadable (/sys/kernel/notes), so it cannot be checked` };
  }
  const seen: string[] = [];
  for (const f of present) {
    const id = buildIdOf(f);
    if (id === input.buildId) return { ...base, ok: true, detail: `${f}, build-id ${id} matches the running kernel: statement probes work` };
    seen.push(`${f} has build-id ${id ?? '(none)'}`);
  }
  return {
    ...base,
    ok: false,
    detail: `the running kernel's build-id is ${input.buildId}, but ${seen.join('; ')}: guru refuses debuginfo of another build`,
  };
}
