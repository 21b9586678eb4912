// statement:FUNC@FILE:LINE (SystemTap's kernel.statement): the line
// resolved in the target's vmlinux with DWARF, whose build-id matches the
// target (KernelFacts.debuginfo), by the resolver user statements share
// (sourceLine/resolveLine.ts). Each address is probed as the ELF symbol
// holding it plus an offset, so the kernel places the kprobe itself and
// KASLR does not matter; entry values are captured by entry kprobes.
import type { KernelFacts } from '../../kernelFacts/kernelFacts.js';
import { resolveLine, sourceLinesOf, type LineProgram, type StatementPoint } from '../sourceLine/resolveLine.js';
import type { Resolution, ResolveError } from '../types.js';
import type { StatementPlacement } from './types.js';

export type { StatementPoint } from '../sourceLine/resolveLine.js';

/** The kernel as a LineProgram: kprobes at symbol+offset, entry values captured. */
function kernelProgram(facts: KernelFacts): LineProgram | undefined {
  if (!facts.debuginfo) return undefined;
  return {
    dbg: facts.debuginfo(),
    name: facts.release,
    spell: (func, file, line) => `statement:${func}@${file}:${line}`,
    symbols: () => facts.functionSymbols() ?? [],
    listFunctions: "guru list 'kprobe:*' lists the kernel's functions",
    returnProbe: (func) => `kretprobe:${func}`,
    prober: 'kprobe',
    placedBySymbol: true,
    entryValues: true,
  };
}

/**
 * What `guru list 'statement:FUNC@FILE:*'` walks (sourceLinesOf);
 * undefined when FUNC is not in the debug information.
 */
export function statementLinesOf(facts: KernelFacts, func: string, file: string): number[] | undefined {
  return facts.debuginfo ? sourceLinesOf(facts.debuginfo(), func, file) : undefined;
}

export function resolveStatementProbe(point: StatementPoint, facts: KernelFacts, label: string): Resolution<StatementPlacement> | ResolveError {
  const program = kernelProgram(facts);
  if (!program) {
    return { message: `${label}: statement probes need the kernel's debug information, and these kernel facts have none` };
  }
  const resolved = resolveLine(point, program, label);
  if ('message' in resolved) return resolved;
  const { statement, ...scope } = resolved;
  return { ...scope, placement: { kind: 'statement', symbol: point.func, statement } };
}
