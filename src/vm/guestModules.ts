// The kernel modules the guest's init must load before it can reach the
// host's files: virtio PCI transport, virtio console (the stdout/stderr/status
// ports), 9p over virtio, and overlayfs. Which of these are modules and which
// are built in differs per kernel (6.1 builds virtio as modules, 6.12 builds
// it in), so read it from the kernel's own modules.builtin and modules.dep.
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/** What the guest init needs, by module name. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay'] as const;

/** Config options the init relies on that cannot be modules. */
const REQUIRED_BUILTIN_CONFIG = ['CONFIG_BLK_DEV_INITRD', 'CONFIG_DEVTMPFS', 'CONFIG_TMPFS', 'CONFIG_SERIAL_8250_CONSOLE'];

export interface GuestModule {
  name: string;
  /** Host path of the .ko (possibly .ko.xz/.ko.zst). */
  file: string;
}

/** `kernel/fs/9p/9p.ko.xz` → `9p`; module names use `_` where files may use `-`. */
export function moduleNameOf(file: string): string {
  return path.basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** Parse modules.dep: module name → its file and the files it depends on. */
export function parseModulesDep(text: string): Map<string, { file: string; deps: string[] }> {
  const map = new Map<string, { file: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const file = line.slice(0, colon).trim();
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    map.set(moduleNameOf(file), { file, deps });
  }
  return map;
}

/**
 * Modules to insmod, in an order where every module comes after all of its
 * dependencies (depth-first over modules.dep), skipping built-ins.
 */
export function guestModuleLoadOrder(modulesDir: string, configText: string, wanted: readonly string[] = GUEST_MODULES): GuestModule[] {
  const release = path.basename(modulesDir);
  for (const option of REQUIRED_BUILTIN_CONFIG) {
    if (!new RegExp(`^${option}=y$`, 'm').test(configText)) {
      throw new EnvironmentError(`kernel ${release} lacks ${option}=y, which guru's VM init needs`);
    }
  }
  const builtin = new Set(readLines(path.join(modulesDir, 'modules.builtin')).map(moduleNameOf));
  const depFile = path.join(modulesDir, 'modules.dep');
  if (!fs.existsSync(depFile)) throw new EnvironmentError(`${depFile} is missing`, `run: depmod -b ${path.resolve(modulesDir, '../../..')} ${release}`);
  const deps = parseModulesDep(fs.readFileSync(depFile, 'utf8'));
  const order: GuestModule[] = [];
  const done = new Set<string>();
  const visit = (name: string, chain: string[]): void => {
    if (done.has(name) || builtin.has(name)) return;
    const entry = deps.get(name);
    if (!entry) {
      const via = chain.length ? ` (needed by ${chain.join(' → ')})` : '';
      throw new EnvironmentError(`kernel ${release} has ${name} neither built in nor as a module${via}`);
    }
    if (chain.includes(name)) throw new EnvironmentError(`modules.dep of ${release} has a cycle through ${name}`);
    for (const dep of entry.deps) visit(moduleNameOf(dep), [...chain, name]);
    done.add(name);
    order.push({ name, file: path.join(modulesDir, entry.file) });
  };
  for (const name of wanted) visit(name, []);
  return order;
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
