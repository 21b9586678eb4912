// Facts about a kernel's functions from its symbol list and BTF alone, for
// what needs no headers (`guru list kprobe:...` on a machine whose running
// kernel has no headers installed, as in many containers and CI VMs).
import { readBtf, type Btf } from '../debuginfo/btf.js';
import { readTextSymbols } from './headersKernelFacts.js';
import type { KernelFacts } from './kernelFacts.js';
import { kernelModules, type KernelModules } from './kernelModules.js';

/** The part of KernelFacts that kernel functions need: names (kallsyms) and prototypes (BTF). */
export type KernelFunctionFacts = Pick<KernelFacts, 'release' | 'functionSymbols' | 'btf' | 'btfPath' | 'modules' | 'debuginfo'>;

export function kernelFunctionFacts(opts: { release: string; systemMap?: string; btf?: string; modulesDir?: string }): KernelFunctionFacts {
  let symbols: Set<string> | undefined | null = null;
  let btf: Btf | undefined | null = null;
  let modules: KernelModules | undefined | null = null;
  return {
    release: opts.release,
    btfPath: opts.btf,
    modules: () => {
      if (modules === null) modules = opts.modulesDir ? kernelModules({ release: opts.release, dir: opts.modulesDir }) : undefined;
      return modules;
    },
    functionSymbols: () => {
      if (symbols === null) symbols = opts.systemMap ? readTextSymbols(opts.systemMap) : undefined;
      return symbols;
    },
    btf: () => {
      if (btf === null) btf = opts.btf ? readBtf(opts.btf) : undefined;
      return btf;
    },
  };
}
