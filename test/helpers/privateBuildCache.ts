// Build tests compile into a cache of their own (so they never pass on a
// module some earlier run left behind), against the Debian 6.1 target
// resolved before that cache is set, so the kernel store in the real cache
// still provides the target's BTF, System.map and debuginfo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { debianHeadersTarget } from './debianHeaders.js';

export interface PrivateBuildCache {
  /** Set in beforeAll. */
  target: KernelTarget;
  dir: string;
}

/** Registers beforeAll/afterAll for the calling test file. */
export function usePrivateBuildCache(): PrivateBuildCache {
  const env = {} as PrivateBuildCache;
  beforeAll(async () => {
    env.target = await debianHeadersTarget();
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-cache-'));
    process.env.GURU_CACHE = env.dir;
  });
  afterAll(() => {
    delete process.env.GURU_CACHE;
    if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
  });
  return env;
}
