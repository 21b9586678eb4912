// The kretprobe family: `kretprobe:FUNC`, `kretprobe:*glob*` (SystemTap
// `kernel.function("FUNC").return`, bpftrace `kr:FUNC`). A handler at a
// kernel function's return (templates/partials/kretprobe.hbs): `$return`
// typed from BTF and writable; the arguments, saved at entry, read-only.
import { describeFunctionProbe, functionWhere, listKernelFunctions, renderFunctionProbes, resolveKernelFunction, type KretprobePlacement } from './kernelFunction.js';
import type { KretprobePoint } from './kernelFunctionSpelling.js';
import type { ProbeFamily } from './types.js';

export const kretprobeFamily: ProbeFamily<KretprobePlacement, KretprobePoint> = {
  name: 'kretprobe',
  spelling: 'kretprobe',
  kinds: ['kretprobe'],
  points: ['kretprobe'],
  context: 'task',
  listsWithoutHeaders: true,
  resolve: (point, facts, label, options) => resolveKernelFunction('kretprobe', point, facts, label, options),
  // As saved at entry.
  rawArgs: () => ({ access: 'savedKernelArg' }),
  callerAt: (p) => ({
    message: `at a return the function's frame is gone: the stack pointer is past its return address, which the kernel replaced with its kretprobe trampoline`,
    hint: `read it at kprobe:${p.symbol}, the entry (and keep it in a thread var for the return)`,
  }),
  body: () => ({
    params: 'struct pt_regs *regs, const unsigned long *entry_args, unsigned long func_addr',
    hasRegs: true,
    setup: ['ctx->entry_args = entry_args;', 'ctx->func_addr = func_addr;'],
  }),
  render: (probes, ctx) => renderFunctionProbes(probes, ctx, 'krp'),
  where: functionWhere,
  describe: describeFunctionProbe,
  list: (query, facts, opts) => listKernelFunctions('kretprobe', query.func, facts, opts, query.module),
};
