// Debian's 6.12 kernel: virtio is built in there (the initramfs carries
// fewer modules), modules are xz-compressed, and its headers ship a BTF-only
// vmlinux that kbuild feeds to pahole to give each module its own BTF.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { guestModuleLoadOrder } from '../../src/vm/guestModules.js';
import { runInVm } from '../../src/vm/runInVm.js';
import { buildTestModule } from './vmTestSupport.js';
import { debian612Kernel } from '../helpers/guest.js';

test('a module built against the 6.12 headers (with BTF, via pahole) loads in a 6.12 guest', async () => {
  const kernel = await debian612Kernel();
  expect(fs.existsSync(path.join(kernel.headersDir, 'vmlinux'))).toBe(true);
  const order = guestModuleLoadOrder(kernel.modulesDir, fs.readFileSync(kernel.config, 'utf8')).map((m) => m.name);
  expect(order).not.toContain('virtio_pci');
  expect(order).toContain('9p');

  const ko = await buildTestModule(kernel.headersDir);
  try {
    const { stdout: sections } = await execa('readelf', ['-SW', ko]);
    expect(sections).toMatch(/\s\.BTF\s/);
    const r = await runInVm({
      kernel,
      argv: ['sh', '-c', `uname -r; insmod ${ko} && grep -c '^guru_vm_test ' /proc/modules; test -c /dev/guru_vm_test && echo misc-device`],
      timeoutMs: 120_000,
      stdio: 'pipe',
    });
    expect(r.stderr!.toString()).toBe('');
    expect(r.stdout!.toString().split('\n')).toEqual([kernel.release, '1', 'misc-device', '']);
    expect(r.exitCode).toBe(0);
  } finally {
    fs.rmSync(path.dirname(ko), { recursive: true, force: true });
  }
}, 600_000);
