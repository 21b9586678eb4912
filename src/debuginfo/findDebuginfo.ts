// Where the target kernel's vmlinux with DWARF is, and proof that it is the
// right one: statement probes put kprobes at addresses read from it, so a
// vmlinux from another build would patch the wrong instructions. The GNU
// build-id of the debuginfo must equal the target kernel's, or guru refuses.
import fs from 'node:fs';
import { EnvironmentError } from '../errors.js';
import { openElf } from './elf.js';

export interface ExpectedBuildId {
  value: string;
  /** Where it was read, for messages ("the running kernel (/sys/kernel/notes)"). */
  source: string;
}

export interface DebuginfoSearch {
  release: string;
  /** --debuginfo PATH: then it is the only candidate. */
  explicit?: string;
  /** The kernel store's vmlinux for this kernel, if it was stored with debuginfo. */
  stored?: string;
  /** The target kernel's build-id; undefined when nothing tells it. */
  expected: ExpectedBuildId | undefined;
  /** How to get matching debuginfo (e.g. `guru kernel add debian:6.1 --debuginfo`). */
  fix: string;
}

export interface FoundDebuginfo {
  path: string;
  buildId: string;
}

/** Where distributions install the kernel's debuginfo, in the order gdb and SystemTap look. */
export function debuginfoCandidates(release: string): string[] {
  return [`/usr/lib/debug/boot/vmlinux-${release}`, `/usr/lib/debug/lib/modules/${release}/vmlinux`];
}

function buildIdOf(path: string): string | undefined {
  const elf = openElf(path);
  try {
    return elf.buildId();
  } finally {
    elf.close();
  }
}

export function findDebuginfo(q: DebuginfoSearch): FoundDebuginfo {
  const candidates = q.explicit ? [q.explicit] : [...debuginfoCandidates(q.release), ...(q.stored ? [q.stored] : [])];
  const present = candidates.filter((c) => fs.existsSync(c));
  if (present.length === 0) {
    throw new EnvironmentError(
      q.explicit
        ? `--debuginfo ${q.explicit}: no such file`
        : `statement probes need the debug information (vmlinux with DWARF) of ${q.release}, and none was found (looked at ${candidates.join(', ')})`,
      q.fix,
    );
  }
  if (!q.expected) {
    throw new EnvironmentError(
      `cannot check that ${present[0]} belongs to ${q.release}: the build-id of that kernel is unknown here (it is neither running nor in guru's kernel store)`,
      `target the running kernel, or a stored one: ${q.fix}, then --kernel with that entry`,
    );
  }
  const seen: string[] = [];
  for (const path of present) {
    const id = buildIdOf(path);
    if (id === q.expected.value) return { path, buildId: id };
    seen.push(`${path} has build-id ${id ?? '(none)'}`);
  }
  throw new EnvironmentError(
    `the debug information does not belong to the target kernel: ${q.expected.source} has build-id ${q.expected.value}, but ${seen.join('; ')}; ` +
      'addresses read from it would probe the wrong instructions',
    q.explicit ? `pass the vmlinux of this very build, or: ${q.fix}` : q.fix,
  );
}
