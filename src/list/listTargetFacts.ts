// Which kernel `guru list` describes, and its facts. Like every command it
// takes --kernel/--kdir (default: the running kernel), but kprobe patterns
// need only symbols and BTF: on a running kernel without headers (common
// in containers and CI VMs) they are listed from /proc/kallsyms and
// /sys/kernel/btf/vmlinux instead of failing for want of headers.
import os from 'node:os';
import fs from 'node:fs';
import { EnvironmentError } from '../errors.js';
import { findBtfFile } from '../kernelFacts/btfLocation.js';
import { kernelFunctionFacts } from '../kernelFacts/functionFacts.js';
import { headersKernelFacts } from '../kernelFacts/headersKernelFacts.js';
import { resolveKernelTarget, type KernelTargetOptions } from '../kernelFacts/kernelTarget.js';
import { familyOfPoint } from '../probeFamilies/registry.js';
import type { ListFacts, ListQuery } from '../probeFamilies/types.js';

export async function listTargetFacts(query: ListQuery, kernel: KernelTargetOptions): Promise<ListFacts> {
  try {
    return headersKernelFacts(await resolveKernelTarget(kernel));
  } catch (err) {
    if (!(err instanceof EnvironmentError) || !familyOfPoint(query.kind)?.listsWithoutHeaders || kernel.kernel || kernel.kdir) throw err;
    const release = os.release();
    const modulesDir = `/lib/modules/${release}`;
    return kernelFunctionFacts({
      release,
      systemMap: fs.existsSync('/proc/kallsyms') ? '/proc/kallsyms' : undefined,
      btf: findBtfFile(release),
      modulesDir: fs.existsSync(`${modulesDir}/modules.dep`) ? modulesDir : undefined,
    });
  }
}
