// Binary search over things sorted by address: which symbol an address
// falls in (debuginfo's function symbols, the supervisor's kallsyms).

/** Index of the last item of SORTED (ascending by ADDRESS) whose address is at or below ADDR; -1 if none. */
export function lastAtOrBelow<T>(sorted: readonly T[], addr: bigint, address: (item: T) => bigint): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (address(sorted[mid]!) <= addr) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}
