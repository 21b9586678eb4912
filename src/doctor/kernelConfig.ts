// A kernel's .config as doctor reads it: CONFIG_X=value lines, from
// /boot/config-R, the headers' .config, or the kernel store's copy.
import fs from 'node:fs';

export type KernelConfig = Map<string, string>;

export function parseKernelConfig(text: string): KernelConfig {
  const out: KernelConfig = new Map();
  for (const m of text.matchAll(/^(CONFIG_[A-Z0-9_]+)=(.*)$/gm)) out.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  return out;
}

/** The first of FILES that exists, parsed; undefined when none does. */
export function readKernelConfig(files: string[]): { file: string; config: KernelConfig } | undefined {
  for (const file of files) {
    if (fs.existsSync(file)) return { file, config: parseKernelConfig(fs.readFileSync(file, 'utf8')) };
  }
  return undefined;
}
