// The kprobe family: `kprobe:FUNC`, `kprobe:FUNC+OFFSET`, `kprobe:*glob*`
// (SystemTap `kernel.function("FUNC")`, bpftrace `k:FUNC`). A handler at
// a kernel function's entry, or at an offset into it (templates/partials/
// kprobe.hbs); arguments by name and C type from BTF, writable at entry.
import { InternalError } from '../errors.js';
import { functionWhere, listKernelFunctions, renderFunctionProbes, resolveKernelFunction, type KprobePlacement } from './kernelFunction.js';
import type { ProbeFamily } from './types.js';

export const kprobeFamily: ProbeFamily<KprobePlacement, 'kprobe'> = {
  name: 'kprobe',
  spelling: 'kprobe',
  kinds: ['kprobe'],
  points: ['kprobe'],
  inTask: true,
  resolve: (point, facts, label) => resolveKernelFunction('kprobe', point, facts, label),
  body: () => ({ params: 'struct pt_regs *regs, unsigned long func_addr', hasRegs: true, setup: ['ctx->func_addr = func_addr;'] }),
  render: (probes, ctx) => renderFunctionProbes(probes, ctx, 'kp'),
  where: functionWhere,
  list: (query, facts, opts) => {
    if (query.kind !== 'kprobe') throw new InternalError(`the kprobe family cannot list ${query.kind} points`);
    return listKernelFunctions('kprobe', query.glob, facts, opts);
  },
};
