// Doctor's checks that a kernel's .config answers: can it load a module,
// does it have kprobes, will it refuse unsigned modules, is it locked down
// from boot. Shared by the running kernel's checks and a stored kernel's.
import type { DoctorCheck } from './doctorCheck.js';
import type { KernelConfig } from './kernelConfig.js';

/** CONFIG_KPROBES from the config, or from what the running kernel shows when it has none. */
export function kprobesCheck(config: KernelConfig | undefined, visible: boolean, fix: string): DoctorCheck {
  const ok = config ? config.get('CONFIG_KPROBES') === 'y' : visible;
  return {
    name: 'CONFIG_KPROBES',
    ok,
    detail: ok ? 'kprobes available' : config ? 'CONFIG_KPROBES is not set' : 'no kernel config found and no kprobe interface visible',
    fix,
  };
}

/** A kernel built with CONFIG_MODULE_SIG_FORCE loads only modules signed with its own key. */
export function configSignatureCheck(label: string, config: KernelConfig): DoctorCheck {
  const forced = config.get('CONFIG_MODULE_SIG_FORCE') === 'y';
  return {
    name: 'module signatures',
    ok: !forced,
    detail: forced ? `${label} only loads modules signed with its build key (CONFIG_MODULE_SIG_FORCE)` : 'unsigned modules load (they taint the kernel)',
    fix: 'use a kernel built without CONFIG_MODULE_SIG_FORCE (Debian\'s are)',
  };
}

/** CONFIG_LOCK_DOWN_KERNEL_FORCE_*: locked down at every boot, which refuses unsigned modules. */
export function configLockdownCheck(label: string, config: KernelConfig): DoctorCheck {
  const forced = ['INTEGRITY', 'CONFIDENTIALITY'].find((m) => config.get(`CONFIG_LOCK_DOWN_KERNEL_FORCE_${m}`) === 'y');
  return {
    name: 'lockdown',
    ok: !forced,
    detail: forced ? `${label} is locked down (${forced.toLowerCase()}) at every boot` : 'not locked down at boot (a VM has no Secure Boot)',
    fix: 'use a kernel built with CONFIG_LOCK_DOWN_KERNEL_FORCE_NONE (Debian\'s are)',
  };
}
