// Resolving a probe point against the target kernel: which function the
// probe sits on, which target variables ($name) exist there, and which of
// them may be written (DESIGN §2 "Writes").
import type { TargetVar } from '../expr/ir.js';
import type { UnavailableTarget } from '../expr/compileExpression.js';
import { nearestName } from '../diagnostics/nearestName.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { syscallArgRegisterType, syscallArgTypeInfo } from '../kernelFacts/syscallArgRegisterType.js';
import type { ProbePoint } from '../patchSpec/types.js';
import { addKernelFunctionTargets, REGISTER_CTYPE } from './kernelFunctionTargets.js';
import { resolveStatementProbe } from './resolveStatementProbe.js';
import type { PlanProbe } from './types.js';

/** Where a probe sits (the fields it shares with PlanProbe) and what it can see there. */
export interface ResolvedProbePoint extends Pick<PlanProbe, 'kind' | 'symbol' | 'symbols' | 'offset' | 'syscall' | 'statement'> {
  targets: Map<string, TargetVar>;
  unavailableTargets: Map<string, UnavailableTarget>;
  writesRefused?: string;
  /** Appended to "unknown target variable" (e.g. why argument names are unknown here). */
  unknownTargetNote?: string;
  readOnlyReason: (t: TargetVar) => { message: string; hint?: string };
}

export interface ProbePointError {
  message: string;
  hint?: string;
}

const MAX_ARGS = 6;

const LATER_KINDS: Partial<Record<ProbePoint['kind'], string>> = {
  ustatement: 'user statement probes are not supported yet',
  tracepoint: 'tracepoint probes are not supported yet',
  uprobe: 'uprobes are not supported yet',
  timer: 'timer probes are not supported yet',
};

export function resolveProbePoint(point: ProbePoint, facts: KernelFacts, label: string): ResolvedProbePoint | ProbePointError {
  const targets = new Map<string, TargetVar>();
  const unavailable = new Map<string, UnavailableTarget>();
  const returnOnly = (entryHint: string): void => {
    unavailable.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: entryHint });
  };
  const readOnly = (t: TargetVar): { message: string; hint?: string } =>
    t.access.kind === 'returnValue'
      ? { message: `cannot write $return at ${label}` }
      : { message: `cannot write ${t.name} at ${label}: arguments are written at function entry`, hint: 'write it in the entry probe' };

  switch (point.kind) {
    case 'syscall': {
      const sc = facts.syscall(point.name);
      if (!sc) {
        const near = nearestName(point.name, facts.syscallNames());
        return { message: `unknown syscall ${point.name} on ${facts.release} (x86_64)`, hint: near ? `did you mean syscall:${near}${point.ret ? ':return' : ''}?` : 'guru list \'syscall:*\' shows them all' };
      }
      const entryLabel = `syscall:${sc.name}`;
      sc.args.slice(0, MAX_ARGS).forEach((a, i) => {
        const registerCType = syscallArgRegisterType(a.ctype);
        if (!registerCType) {
          const u: UnavailableTarget = {
            message: `$${a.name} (${a.ctype}, argument ${i + 1} of ${sc.name}) cannot be read at ${label}: guru does not know how wide ${a.ctype} is`,
            hint: 'this is a guru gap: please report it with the syscall; the table is src/kernelFacts/syscallArgRegisterType.ts',
          };
          unavailable.set(`$${a.name}`, u);
          unavailable.set(`$arg${i + 1}`, u);
          return;
        }
        const t: TargetVar = { name: `$${a.name}`, ctype: a.ctype, registerCType, access: { kind: 'syscallArg', index: i }, writable: !point.ret, typeInfo: syscallArgTypeInfo(a.ctype) };
        targets.set(t.name, t);
        targets.set(`$arg${i + 1}`, { ...t, name: `$arg${i + 1}` });
      });
      if (point.ret) {
        targets.set('$return', { name: '$return', ctype: 'long', registerCType: 's64', access: { kind: 'returnValue' }, writable: true });
      } else {
        returnOnly(`use ${entryLabel}:return`);
      }
      const readOnlyReason = (t: TargetVar) =>
        t.access.kind === 'returnValue'
          ? { message: `cannot write $return at ${label}` }
          : { message: `cannot write ${t.name} in a return probe: the syscall has already used it`, hint: `write it at entry: ${entryLabel}` };
      return { kind: point.ret ? 'syscall-return' : 'syscall', symbol: sc.symbol, syscall: sc.name, targets, unavailableTargets: unavailable, readOnlyReason };
    }
    case 'kprobe':
    case 'kretprobe': {
      const symbols = facts.functionSymbols();
      if (point.func.includes('*')) return resolveWildcard(point.kind, point.func, symbols, facts.release);
      if (symbols && !symbols.has(point.func)) {
        const near = nearestName(point.func, symbols);
        return { message: `unknown kernel function ${point.func} on ${facts.release}`, hint: near ? `did you mean ${near}?` : `guru list 'kprobe:*${point.func.slice(0, 4)}*' searches the symbols` };
      }
      const isReturn = point.kind === 'kretprobe';
      const offset = point.kind === 'kprobe' ? point.offset : 0;
      if (offset > 0) {
        for (let i = 1; i <= MAX_ARGS; i++) {
          unavailable.set(`$arg${i}`, {
            message: `$arg${i} is not known at ${label}: past the function's first instruction the arguments may have left their registers`,
            hint: `read arguments at kprobe:${point.func}, or use a statement: probe (debug info) for variables inside the function`,
          });
        }
        returnOnly(`use kretprobe:${point.func}`);
        return { kind: 'kprobe', symbol: point.func, offset, targets, unavailableTargets: unavailable, readOnlyReason: readOnly };
      }
      // Named, typed arguments where the target's BTF knows the function; $argN otherwise.
      const { unknownTargetNote } = addKernelFunctionTargets(facts, { func: point.func, isReturn, label }, targets, unavailable);
      if (!isReturn) returnOnly(`use kretprobe:${point.func}`);
      return { kind: point.kind, symbol: point.func, offset: 0, targets, unavailableTargets: unavailable, unknownTargetNote, readOnlyReason: readOnly };
    }
    case 'statement':
      return resolveStatementProbe(point, facts, label);
    case 'begin':
    case 'end': {
      return { kind: point.kind, targets, unavailableTargets: unavailable, readOnlyReason: readOnly };
    }
    default: {
      return { message: `${label}: ${LATER_KINDS[point.kind] ?? 'not supported'}`, hint: 'supported now: kprobe, kretprobe, syscall, syscall:...:return, statement, begin, end' };
    }
  }
}

/** Most functions one wildcard may cover: each is a kprobe to register. */
export const WILDCARD_LIMIT = 512;

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

/**
 * `kprobe:*ptrace*`: every matching text symbol, minus compiler-split parts
 * (`.cold`) and patchable-entry padding (`__pfx_`), which are not function
 * entries. Matches the kernel refuses (blacklisted, notrace) are skipped at
 * load time and counted. Read-only: writes are refused on wildcards.
 */
function resolveWildcard(kind: 'kprobe' | 'kretprobe', pattern: string, symbols: ReadonlySet<string> | undefined, release: string): ResolvedProbePoint | ProbePointError {
  if (!symbols) {
    return {
      message: `the wildcard ${pattern} needs the symbol list of ${release}, and none was found`,
      hint: 'use a kernel from the store (guru kernel add debian:6.1, then --kernel debian:6.1), or target the running kernel (/proc/kallsyms)',
    };
  }
  const re = globToRegExp(pattern);
  const matched = [...symbols].filter((s) => re.test(s) && !s.includes('.') && !s.startsWith('__pfx_')).sort();
  if (matched.length === 0) return { message: `${kind}:${pattern} matches no function of ${release}`, hint: `guru list '${kind}:${pattern}'` };
  if (matched.length > WILDCARD_LIMIT) {
    return { message: `${kind}:${pattern} matches ${matched.length} functions, more than ${WILDCARD_LIMIT}`, hint: 'narrow the pattern' };
  }
  const targets = new Map<string, TargetVar>();
  const unavailable = new Map<string, UnavailableTarget>();
  for (let i = 0; i < MAX_ARGS; i++) {
    const name = `$arg${i + 1}`;
    targets.set(name, { name, ctype: REGISTER_CTYPE, access: kind === 'kretprobe' ? { kind: 'savedKernelArg', index: i } : { kind: 'kernelArg', index: i }, writable: false });
  }
  if (kind === 'kretprobe') targets.set('$return', { name: '$return', ctype: REGISTER_CTYPE, access: { kind: 'returnValue' }, writable: false });
  else unavailable.set('$return', { message: `$return is only available in return probes, not at ${kind}:${pattern}`, hint: `use kretprobe:${pattern}` });
  return {
    kind,
    symbol: pattern,
    symbols: matched,
    offset: 0,
    targets,
    unavailableTargets: unavailable,
    writesRefused: 'writes are refused on wildcard probes',
    readOnlyReason: () => ({ message: 'writes are refused on wildcard probes' }),
  };
}
