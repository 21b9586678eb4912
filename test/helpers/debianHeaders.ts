// The Debian 6.1 kernel the build tests compile against: whatever release
// the linux-headers-amd64 metapackage currently depends on (it moves).
// Missing headers fail the test with the command that installs them.
import { execFileSync } from 'node:child_process';
import { resolveKernelTarget, type KernelTarget } from '../../src/kernelFacts/kernelTarget.js';

export function debianHeadersRelease(): string {
  let depends = '';
  try {
    depends = execFileSync('dpkg-query', ['-W', '-f=${Depends}', 'linux-headers-amd64'], { encoding: 'utf8' });
  } catch {
    throw new Error('the Debian kernel headers are not installed (package linux-headers-amd64); fix: bash scripts/setup.sh');
  }
  const m = /linux-headers-([^\s,]+)/.exec(depends);
  if (!m) throw new Error(`cannot read the release from linux-headers-amd64's Depends (${depends}); fix: bash scripts/setup.sh`);
  return m[1];
}

export function debianHeadersTarget(): Promise<KernelTarget> {
  return resolveKernelTarget({ kernel: debianHeadersRelease() });
}
