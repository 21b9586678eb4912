// The kernels the benchmarks run on: Debian 6.1 and 7.3 (issue #13's
// overhead kernels) and sid's 7.2, the newest kernel SystemTap 5.6 and
// bpftrace 0.27 were released for.
export const BENCH_KERNELS = ['debian:6.1', 'debian:7.3', 'debian:sid'] as const;
export type BenchKernel = (typeof BENCH_KERNELS)[number];
