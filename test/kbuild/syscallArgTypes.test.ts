// Syscall arguments reach probes.c as fixed-width integers, not as the
// kernel typedefs syscalls.h declares (src/kernelFacts/syscallArgRegisterType.ts).
// The compiler is the oracle for that table: for every argument type of
// every x86_64 syscall of Debian's 6.1 and 6.12 kernels, a module that
// includes the kernel's own <linux/syscalls.h> static-asserts that the
// type has the width and signedness guru reads it with.
import { buildModules } from '../../src/kbuild/kbuild.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import type { RegisterCType } from '../../src/kernelFacts/kernelFunctionSignature.js';
import { resolveKernelTarget, type KernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import { syscallArgRegisterType } from '../../src/kernelFacts/syscallArgRegisterType.js';
import { usePrivateBuildCache } from '../helpers/privateBuildCache.js';
import { debian612Kernel } from '../helpers/guest.js';

const env = usePrivateBuildCache();

const WIDTH: Record<RegisterCType, [bytes: number, signed: boolean]> = {
  s8: [1, true], u8: [1, false], s16: [2, true], u16: [2, false],
  s32: [4, true], u32: [4, false], s64: [8, true], u64: [8, false],
  'unsigned long': [8, false],
};

/** Every distinct argument type of the target's syscalls, with one syscall that uses it. */
function argumentTypes(target: KernelTarget): Map<string, string> {
  const facts = headersKernelFacts(target);
  const types = new Map<string, string>();
  for (const name of facts.syscallNames()) {
    for (const a of facts.syscall(name)!.args) {
      const ctype = a.ctype.replace(/\s+/g, ' ');
      if (!types.has(ctype)) types.set(ctype, name);
    }
  }
  return types;
}

/** A module that compiles only if each [type, register type] pair agrees with the kernel's headers. */
function checkModule(name: string, checks: [ctype: string, reg: RegisterCType][]) {
  const lines = checks.map(([ctype, reg]) => {
    const [bytes, signed] = WIDTH[reg];
    // `unsigned long` stands for pointers too (gcc's pointer type class is 5).
    const kind =
      reg === 'unsigned long'
        ? `(__builtin_classify_type((${ctype})0) == 5 || __builtin_types_compatible_p(${ctype}, unsigned long))`
        : `((${ctype})-1 < (${ctype})0) == ${signed ? 1 : 0}`;
    return `_Static_assert(sizeof(${ctype}) == ${bytes} && ${kind}, "${ctype} is not ${reg}");`;
  });
  const source = ['#include <linux/module.h>', '#include <linux/syscalls.h>', 'MODULE_LICENSE("GPL");', ...lines, ''].join('\n');
  return { module: name, files: { Kbuild: `obj-m := ${name}.o\n`, [`${name}.c`]: source } };
}

async function checkKernel(target: KernelTarget): Promise<void> {
  const types = argumentTypes(target);
  expect(types.size).toBeGreaterThan(20);
  const unknown = [...types].filter(([ctype]) => !syscallArgRegisterType(ctype)).map(([ctype, sc]) => `${ctype} (syscall ${sc})`);
  expect(unknown).toEqual([]);
  // Enums are only forward-declared in syscalls.h (no sizeof); the ABI passes them as int.
  const checks = [...types.keys()].filter((t) => !/\benum\b/.test(t)).map((t): [string, RegisterCType] => [t, syscallArgRegisterType(t)!]);
  const { log } = await buildModules([checkModule('guru_argtypes', checks)], target);
  expect(log.split('\n').filter((l) => /warning:/i.test(l))).toEqual([]);
}

test('every syscall argument type of the Debian 6.1 kernel has the width and signedness guru reads it with', async () => {
  await checkKernel(env.target);
}, 120_000);

test('the same holds for the Debian 6.12 kernel', async () => {
  const kernel = await debian612Kernel();
  await checkKernel(await resolveKernelTarget({ kernel: kernel.release }));
}, 600_000);

test('the check can fail: a wrong width or signedness does not compile', async () => {
  await expect(buildModules([checkModule('guru_argtypes_wrong', [['size_t', 'u32'], ['pid_t', 'u32'], ['loff_t', 'unsigned long']])], env.target)).rejects.toThrow(
    /size_t is not u32[\s\S]*pid_t is not u32[\s\S]*loff_t is not unsigned long/,
  );
}, 120_000);
