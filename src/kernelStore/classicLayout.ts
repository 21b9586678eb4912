// One layout for every Debian kernel in the store, whatever its packages
// look like. Up to 6.x the image package puts the kernel in
// boot/vmlinuz-R, its config in boot/config-R and the modules in
// lib/modules/R. Kernels 7.x use merged /usr: everything is under
// usr/lib/modules/R (vmlinuz, config, kernel/), split over linux-binary-R,
// linux-modules-R and linux-base-R. Symlinks give an extracted 7.x tree the
// classic paths (lib → usr/lib, as on a merged-/usr system, and
// boot/{vmlinuz,config}-R), so depmod -b, the VM and everything reading an
// entry see one layout, and entries stay readable by older guru versions.
import fs from 'node:fs';
import path from 'node:path';
import { InternalError } from '../errors.js';

export function linkClassicLayout(root: string, release: string): void {
  const merged = path.join(root, 'usr', 'lib', 'modules', release);
  if (!fs.existsSync(path.join(root, 'lib')) && fs.existsSync(merged)) fs.symlinkSync('usr/lib', path.join(root, 'lib'));
  fs.mkdirSync(path.join(root, 'boot'), { recursive: true });
  for (const [classic, inModules] of [
    [`vmlinuz-${release}`, 'vmlinuz'],
    [`config-${release}`, 'config'],
  ]) {
    const link = path.join(root, 'boot', classic);
    if (fs.existsSync(link)) continue;
    if (!fs.existsSync(path.join(merged, inModules))) throw new InternalError(`neither boot/${classic} nor usr/lib/modules/${release}/${inModules} is in the packages of ${release}; guru does not know this layout`);
    fs.symlinkSync(path.join('..', 'usr', 'lib', 'modules', release, inModules), link);
  }
  if (!fs.existsSync(path.join(root, 'lib', 'modules', release, 'kernel'))) {
    throw new InternalError(`lib/modules/${release}/kernel is missing from the packages of ${release}`);
  }
}
