// `guru list PATTERN [-v]`: the probe points of a kernel that match, in
// guru's spelling, and with -v what a spec can use at each: target
// variables with their C types, which are writable, and why the others
// cannot be read. The names and types are the ones the resolver gives a
// spec at the same point (plan/kernelFunctionTargets.ts, KernelFacts).
import os from 'node:os';
import { EnvironmentError, UserError } from '../errors.js';
import { nearestName } from '../diagnostics/nearestName.js';
import type { KernelFunctionFacts } from '../kernelFacts/functionFacts.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { ARG_REGISTERS, type KernelFunctionSignature } from '../kernelFacts/kernelFunctionSignature.js';
import { lookupKernelFunction, REGISTER_CTYPE } from '../plan/kernelFunctionTargets.js';
import { kprobeFunctions, type KprobeFunctionSources } from './kprobeFunctions.js';
import { globToRegExp, hasWildcard, type ListQuery } from './listPattern.js';
import { listStatementLines } from './statementLines.js';

export interface ListedTarget {
  /** `$count`; `$argN` where BTF has no name. */
  name: string;
  ctype?: string;
  /** Positional alias, e.g. `$arg3`. */
  alias?: string;
  writable: boolean;
  /** Why it cannot be read here, when it cannot. */
  unavailable?: string;
}

export interface ListEntry {
  /** guru's spelling, usable as `on:` as printed. */
  point: string;
  /** The C declaration, where known. */
  declaration?: string;
  /** With -v: the target variables. */
  targets?: ListedTarget[];
  /** With -v: a remark on the whole point (e.g. why arguments are positional). */
  note?: string;
  /** With -v: lines printed as they are (a statement's addresses and variable locations). */
  details?: string[];
  /** The point exists but cannot be probed, and why (listed with -v only). */
  refused?: string;
}

export interface ListResult {
  release: string;
  entries: ListEntry[];
  /** Where the names came from (System.map, tracefs, ...). */
  sources: string[];
}

/** What listing needs: kprobe patterns only symbols and BTF, syscall patterns the headers' facts. */
export type ListFacts = KernelFacts | KernelFunctionFacts;

export interface ListOptions {
  verbose: boolean;
  /** Overrides for tests (tracefs/debugfs files); the running kernel is detected by release. */
  running?: boolean;
  kprobeSources?: Pick<KprobeFunctionSources, 'availableFilterFunctions' | 'kprobeBlacklist'>;
}

export function listProbePoints(query: ListQuery, facts: ListFacts, opts: ListOptions): ListResult {
  switch (query.kind) {
    case 'kprobe':
    case 'kretprobe':
      return listFunctions(query.kind, query.glob, facts, opts);
    case 'syscall':
      return listSyscalls(query.glob, query.ret, facts, opts.verbose);
    case 'statement':
      if (!('constant' in facts)) throw new EnvironmentError(`statement lines of ${facts.release} need its headers and debuginfo`, `install its headers (apt-get install linux-headers-${facts.release}), or use --kernel debian:6.1`);
      return { release: facts.release, entries: listStatementLines(query, facts, opts.verbose), sources: ['debuginfo (DWARF)'] };
  }
}

function listFunctions(kind: 'kprobe' | 'kretprobe', glob: string, facts: ListFacts, opts: ListOptions): ListResult {
  const found = kprobeFunctions({ symbols: facts.functionSymbols(), running: opts.running ?? facts.release === os.release(), ...opts.kprobeSources });
  if (!found) {
    throw new EnvironmentError(
      `no symbol list for ${facts.release}: guru cannot tell which functions it has`,
      'use a kernel from the store (--kernel debian:6.1), or run on the kernel itself (/proc/kallsyms)',
    );
  }
  const re = globToRegExp(glob);
  const names = [...found.names].filter((n) => re.test(n)).sort();
  if (names.length === 0 && !hasWildcard(glob)) {
    const near = nearestName(glob, found.names);
    throw new UserError(`unknown kernel function ${glob} on ${facts.release}`, near ? `did you mean ${near}?` : `search with a wildcard: guru list '${kind}:*${glob.slice(0, 4)}*'`);
  }
  const entries = names.map((name): ListEntry => {
    const point = `${kind}:${name}`;
    if (!opts.verbose) return { point };
    const { signature, why } = lookupKernelFunction(facts, name);
    if (!signature) return { point, targets: positionalTargets(kind), note: `arguments are positional: ${why}` };
    return { point, declaration: signature.declaration, targets: functionTargets(kind, signature) };
  });
  return { release: facts.release, entries, sources: found.sources };
}

function positionalTargets(kind: 'kprobe' | 'kretprobe'): ListedTarget[] {
  const args = ARG_REGISTERS.map((_, i): ListedTarget => ({ name: `$arg${i + 1}`, ctype: REGISTER_CTYPE, writable: kind === 'kprobe' }));
  return kind === 'kretprobe' ? [...args, { name: '$return', ctype: REGISTER_CTYPE, writable: true }] : args;
}

function functionTargets(kind: 'kprobe' | 'kretprobe', sig: KernelFunctionSignature): ListedTarget[] {
  const out = sig.args.map((a): ListedTarget => {
    const alias = `$arg${a.position}`;
    const t: ListedTarget = { name: a.name ? `$${a.name}` : alias, ctype: a.ctype, writable: kind === 'kprobe' && a.register !== undefined };
    if (a.name && a.position <= ARG_REGISTERS.length) t.alias = alias;
    if (a.unavailable) t.unavailable = a.unavailable;
    return t;
  });
  if (kind === 'kretprobe') {
    const r = sig.returns;
    out.push(r.unavailable ? { name: '$return', ctype: r.ctype, writable: false, unavailable: r.unavailable } : { name: '$return', ctype: r.ctype, writable: true });
  }
  return out;
}

function listSyscalls(glob: string, ret: boolean, facts: ListFacts, verbose: boolean): ListResult {
  if (!('syscall' in facts)) throw new EnvironmentError(`syscall prototypes of ${facts.release} come from its headers, and none were found`, `install them: apt-get install linux-headers-${facts.release}`);
  const re = globToRegExp(glob);
  const names = facts.syscallNames().filter((n) => re.test(n));
  if (names.length === 0 && !hasWildcard(glob)) {
    const near = nearestName(glob, facts.syscallNames());
    throw new UserError(`unknown syscall ${glob} on ${facts.release} (x86_64)`, near ? `did you mean syscall:${near}?` : "guru list 'syscall:*' shows them all");
  }
  const entries = names.map((name): ListEntry => {
    const point = `syscall:${name}${ret ? ':return' : ''}`;
    if (!verbose) return { point };
    const sc = facts.syscall(name)!;
    const targets = sc.args.slice(0, ARG_REGISTERS.length).map((a, i): ListedTarget => ({ name: `$${a.name}`, ctype: a.ctype, alias: `$arg${i + 1}`, writable: !ret }));
    if (ret) targets.push({ name: '$return', ctype: 'long', writable: true });
    const declaration = `long sys_${name}(${sc.args.length ? sc.args.map((a) => `${a.ctype}${a.ctype.endsWith('*') ? '' : ' '}${a.name}`).join(', ') : 'void'})`;
    return { point, declaration, targets };
  });
  return { release: facts.release, entries, sources: ['syscall table and include/linux/syscalls.h'] };
}
