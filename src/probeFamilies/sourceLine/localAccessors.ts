// The accessor functions through which a statement probe's expressions
// read and write `$local`s (templates/partials/statement-local.hbs), one
// `case` per address of the line. Shared by kernel statements (kernel
// memory, through the nofault reader and writer) and user statements (the
// probed task's memory, through the user reader and writer, which may page
// memory in: a uprobe handler runs in that task). Only locals an expression
// uses get accessors.
import { InternalError } from '../../errors.js';
import type { TargetVar } from '../../expr/ir.js';
import { forEachExprOf } from '../../expr/irWalk.js';
import { describeLocalLocation, type LocalAccess, type LocalLocation, type RegsAddress } from '../../expr/localAccess.js';
import type { ProbeCommon } from '../types.js';
import type { PlanStatement } from './types.js';

/** A probe at a source line: its expressions and its addresses. */
export type LineProbe = ProbeCommon & { statement: PlanStatement };

/** Whose memory a local in memory is in: the kernel's, or the probed task's. */
export type LocalMemory = 'kernel' | 'user';

/** The accessor a statement probe's generated C reads (get) or writes (set) a local through. */
export function localAccessor(probe: number, variable: string, op: 'get' | 'set'): string {
  return `probe${probe}_${op}_${variable}`;
}

export interface LocalAccessorView {
  partial: 'statement-local';
  fn: string;
  set: boolean;
  target: string;
  declaredType: string;
  /** One comment line per address: where the local is there. */
  sites: string[];
  /** One C statement per address (the body of its `case`). */
  cases: string[];
}

export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The thread-variable slot an entry kprobe saves REG of FUNCTION in (statement family's entry-capture.hbs). */
export function entrySlotName(function_: string, reg: string): string {
  return `ENTRY_${slug(function_)}_${reg}`;
}

const regs = (a: RegsAddress): string => `ctx->regs->${a.base}${a.offset === 0 ? '' : a.offset > 0 ? ` + ${a.offset}` : ` - ${-a.offset}`}`;

/** A u64 literal of a constant's two's complement bits. */
function u64Literal(decimal: string): string {
  const v = BigInt.asUintN(64, BigInt(decimal));
  return v < 10n ? `${v}` : `0x${v.toString(16)}ULL`;
}

/** Every target an expression or statement of P reads (get) or writes (set). */
export function usedLocals(p: ProbeCommon): { get: Map<string, TargetVar>; set: Map<string, TargetVar> } {
  const get = new Map<string, TargetVar>();
  const set = new Map<string, TargetVar>();
  forEachExprOf(p.cond, p.actions, (e) => {
    if (e.k === 'target' && e.target.access.kind === 'local') get.set(e.target.access.variable, e.target);
  });
  for (const s of p.actions) if (s.k === 'setTarget' && s.target.access.kind === 'local') set.set(s.target.access.variable, s.target);
  return { get, set };
}

/*
 * `static` addresses are link-time ones: ctx->slide moves them where the
 * program is (the KASLR slide; a PIE's or library's load bias).
 */
function getCase(l: LocalLocation, bytes: number, memory: LocalMemory): string {
  switch (l.kind) {
    case 'register':
      return `*value = ctx->regs->${l.reg}; return true;`;
    case 'memory':
      return `return guru_read_${memory}(ctx, ${regs(l.at)}, ${bytes}, value);`;
    case 'static':
      return `return guru_read_${memory}(ctx, ${l.address}UL + ctx->slide, ${bytes}, value);`;
    case 'constant':
      return `*value = ${u64Literal(l.value)}; return true;`;
    case 'address':
      return `*value = ${regs(l.at)}; return true;`;
    case 'entry':
      if (memory === 'user') throw new InternalError('an entry value of a user statement reached the renderer');
      return `return guru_entry_load(ctx, ${entrySlotName(l.function, l.reg)}, ${regs(l.cfa)}, value);`;
  }
}

function setCase(l: LocalLocation, bytes: number, memory: LocalMemory): string {
  switch (l.kind) {
    case 'register':
      return `ctx->regs->${l.reg} = value; return true;`;
    case 'memory':
      return `return guru_write_${memory}(ctx, ${regs(l.at)}, ${bytes}, value);`;
    case 'static':
      return `return guru_write_${memory}(ctx, ${l.address}UL + ctx->slide, ${bytes}, value);`;
    default:
      throw new InternalError(`write to a local ${l.kind} reached the renderer`);
  }
}

/** Accessor functions of statement probe P, for the locals its expressions use; locals in memory are in MEMORY. */
export function localAccessors(p: LineProbe, memory: LocalMemory): LocalAccessorView[] {
  const { get, set } = usedLocals(p);
  const view = (t: TargetVar, op: 'get' | 'set'): LocalAccessorView => {
    const a = t.access as LocalAccess;
    return {
      partial: 'statement-local',
      fn: localAccessor(p.id, a.variable, op),
      set: op === 'set',
      target: t.name,
      declaredType: a.declaredType,
      sites: a.sites.map((s, i) => {
        const site = p.statement.sites[i]!;
        return `${i}: ${site.symbol}+0x${site.offset.toString(16)}: ${describeLocalLocation(s.where, memory)}${s.dwarf ? ` (${s.dwarf})` : ''}`;
      }),
      cases: a.sites.map((s) => (op === 'get' ? getCase(s.where, a.scalar.bytes, memory) : setCase(s.where, a.scalar.bytes, memory))),
    };
  };
  return [...[...get.values()].map((t) => view(t, 'get')), ...[...set.values()].map((t) => view(t, 'set'))];
}
