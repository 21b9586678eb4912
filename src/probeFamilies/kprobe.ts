// The kprobe family: `kprobe:FUNC`, `kprobe:FUNC+OFFSET`, `kprobe:*glob*`
// (SystemTap `kernel.function("FUNC")`, bpftrace `k:FUNC`). A handler at
// a kernel function's entry, or at an offset into it (templates/partials/
// kprobe.hbs); arguments by name and C type from BTF, writable at entry.
import { UserError } from '../errors.js';
import { describeFunctionProbe, functionKprobePlaces, functionWhere, listKernelFunctions, renderFunctionProbes, resolveKernelFunction, type KprobePlacement } from './kernelFunction.js';
import { kernelFunctionSpelling, type KprobePoint } from './kernelFunctionSpelling.js';
import type { ProbeFamily } from './types.js';

export const kprobeFamily: ProbeFamily<KprobePlacement, KprobePoint> = {
  name: 'kprobe',
  // kprobe: and kretprobe: are spelt alike (kernelFunctionSpelling.ts): this family registers both.
  spellings: kernelFunctionSpelling,
  spelling: 'kprobe',
  kinds: ['kprobe'],
  points: ['kprobe'],
  context: 'task',
  listsWithoutHeaders: true,
  resolve: (point, facts, label, options) => resolveKernelFunction('kprobe', point, facts, label, options),
  // Raw registers at the entry only: at an offset the function may have moved them.
  rawArgs: (p) => (p.offset === 0 ? { access: 'kernelArg' } : 'unknown'),
  // At the entry the word at the kernel stack pointer is the return address (an ftrace-based kprobe's regs say the same sp).
  callerAt: (p) =>
    p.offset === 0
      ? { space: 'kernel' }
      : { message: `at ${p.symbol}+0x${p.offset.toString(16)} the function may have pushed onto the stack: the word at the stack pointer is the return address only at its entry`, hint: `read it at kprobe:${p.symbol} (and keep it in a thread var)` },
  body: () => ({ params: 'struct pt_regs *regs, unsigned long func_addr', hasRegs: true, setup: ['ctx->func_addr = func_addr;'] }),
  kprobePlaces: functionKprobePlaces,
  render: (probes, ctx) => renderFunctionProbes(probes, ctx, 'kp'),
  where: functionWhere,
  describe: describeFunctionProbe,
  list: (query, facts, opts) => {
    if (query.offset !== 0) {
      throw new UserError(`cannot list kprobe:${query.func}+0x${query.offset.toString(16)}: an offset names one address, not a set of probe points`, `list the function: guru list kprobe:${query.func}`);
    }
    return listKernelFunctions('kprobe', query.func, facts, opts, query.module);
  },
};
