// What `guru apply TARGET` loads, with or without --vm: TARGET is a module
// built earlier (its embedded manifest says which kernel it is for), or a
// spec built now for the kernel the session runs on. Either way the module
// must be for that kernel.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { KernelTarget } from '../kernelFacts/kernelTarget.js';
import type { Manifest } from '../render/manifest.js';

export interface ModuleToApply {
  koPath: string;
  manifest: Manifest;
}

export interface SessionKernel {
  /** The kernel the session runs on, by release. */
  release: string;
  /** How messages name it: `this kernel`, `debian:6.1`. */
  label: string;
  /** Where to build a spec for it; only asked for when TARGET is a spec. */
  buildTarget: () => Promise<KernelTarget>;
  /** What to do when a .ko is for another kernel. */
  mismatchHint: string;
  /** --max-probes, for a spec. */
  maxProbes?: number;
  /** The session kernel's build-id (undefined: unknown); asked for only of a module for one build. */
  buildId: () => string | undefined;
}

export async function moduleToApply(target: string, kernel: SessionKernel): Promise<ModuleToApply> {
  const { readManifest } = await import('../kbuild/readManifest.js');
  let koPath: string;
  if (target.endsWith('.ko')) {
    if (!fs.existsSync(target)) throw new UserError(`no such module: ${target}`);
    koPath = path.resolve(target);
  } else {
    const { formatWarnings, planSpecFile } = await import('../pipeline.js');
    const { buildModule } = await import('../kbuild/kbuild.js');
    const { withSpinner } = await import('../ui/spinner.js');
    const planned = await planSpecFile(target, kernel.buildTarget, { maxProbes: kernel.maxProbes });
    process.stderr.write(formatWarnings(planned));
    const { plan, target: buildTarget } = planned;
    koPath = (await withSpinner(`building ${plan.module}.ko for ${buildTarget.release}`, () => buildModule(plan, buildTarget))).koPath;
  }
  const manifest = readManifest(koPath);
  if (manifest.release !== kernel.release) {
    throw new UserError(`${path.basename(koPath)} was built for ${manifest.release}, but ${kernel.label} is ${kernel.release}`, kernel.mismatchHint);
  }
  // Statement probes are addresses in one build: the same release string is not enough.
  if (manifest.buildId) {
    const running = kernel.buildId();
    if (running !== manifest.buildId) {
      throw new UserError(
        `${path.basename(koPath)} holds addresses of kernel build ${manifest.buildId}, but ${kernel.label} is ${running ? `build ${running}` : 'of a build guru cannot read (no /sys/kernel/notes)'}`,
        `${kernel.mismatchHint}; a statement probe's addresses are valid in the build whose debuginfo they came from only`,
      );
    }
  }
  return { koPath, manifest };
}
