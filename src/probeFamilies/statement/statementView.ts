// What the templates need for statement probes (templates/partials/
// statement*.hbs and entry-capture.hbs): the accessor functions through
// which expressions read and write `$local`s, one `case` per probe address;
// one kprobe per address; and the entry kprobes that capture registers for
// DW_OP_entry_value locals. Only locals an expression uses get accessors,
// and only entry values they read get captured.
import { InternalError } from '../../errors.js';
import type { TargetVar } from '../../expr/ir.js';
import { forEachExprOf } from '../../expr/irWalk.js';
import { describeLocalLocation, type LocalAccess, type LocalLocation, type PtRegsField, type RegsAddress } from '../../expr/localAccess.js';
import type { ProbeCommon } from '../types.js';
import { registerName } from './ptRegs.js';
import type { StatementPlacement } from './types.js';

type StatementProbe = ProbeCommon & StatementPlacement;

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

export interface StatementSiteView {
  name: string;
  symbol: string;
  offset: number;
  address: string;
  line: number;
  where: string;
}

export interface StatementView {
  partial: 'statement';
  probe: number;
  on: string;
  probeFn: string;
  func: string;
  file: string;
  line: number;
  sitesArray: string;
  sites: StatementSiteView[];
}

export interface EntryCaptureView {
  partial: 'entry-capture';
  name: string;
  function: string;
  saves: { slot: string; reg: string; cfa: string; comment: string }[];
}

/** Thread-variable slots used for entry values: each holds the value, the next one its CFA. */
export interface EntrySlot {
  name: string;
  id: number;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

const regs = (a: RegsAddress): string => `ctx->regs->${a.base}${a.offset === 0 ? '' : a.offset > 0 ? ` + ${a.offset}` : ` - ${-a.offset}`}`;

/** A u64 literal of a constant's two's complement bits. */
function u64Literal(decimal: string): string {
  const v = BigInt.asUintN(64, BigInt(decimal));
  return v < 10n ? `${v}` : `0x${v.toString(16)}ULL`;
}

export function entrySlotName(function_: string, reg: string): string {
  return `ENTRY_${slug(function_)}_${reg}`;
}

/** Every target an expression or statement of P reads (get) or writes (set). */
function usedLocals(p: StatementProbe): { get: Map<string, TargetVar>; set: Map<string, TargetVar> } {
  const get = new Map<string, TargetVar>();
  const set = new Map<string, TargetVar>();
  forEachExprOf(p.cond, p.actions, (e) => {
    if (e.k === 'target' && e.target.access.kind === 'local') get.set(e.target.access.variable, e.target);
  });
  for (const s of p.actions) if (s.k === 'setTarget' && s.target.access.kind === 'local') set.set(s.target.access.variable, s.target);
  return { get, set };
}

function getCase(l: LocalLocation, bytes: number): string {
  switch (l.kind) {
    case 'register':
      return `*value = ctx->regs->${l.reg}; return true;`;
    case 'memory':
      return `return guru_read_kernel(ctx, ${regs(l.at)}, ${bytes}, value);`;
    case 'static':
      return `return guru_read_kernel(ctx, ${l.address}UL + ctx->slide, ${bytes}, value);`;
    case 'constant':
      return `*value = ${u64Literal(l.value)}; return true;`;
    case 'address':
      return `*value = ${regs(l.at)}; return true;`;
    case 'entry':
      return `return guru_entry_load(ctx, ${entrySlotName(l.function, l.reg)}, ${regs(l.cfa)}, value);`;
  }
}

function setCase(l: LocalLocation, bytes: number): string {
  switch (l.kind) {
    case 'register':
      return `ctx->regs->${l.reg} = value; return true;`;
    case 'memory':
      return `return guru_write_kernel(ctx, ${regs(l.at)}, ${bytes}, value);`;
    case 'static':
      return `return guru_write_kernel(ctx, ${l.address}UL + ctx->slide, ${bytes}, value);`;
    default:
      throw new InternalError(`write to a local ${l.kind} reached the renderer`);
  }
}

/** Accessor functions of statement probe P, for the locals its expressions use. */
export function localAccessors(p: StatementProbe): LocalAccessorView[] {
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
        return `${i}: ${site.symbol}+0x${site.offset.toString(16)}: ${describeLocalLocation(s.where)}${s.dwarf ? ` (${s.dwarf})` : ''}`;
      }),
      cases: a.sites.map((s) => (op === 'get' ? getCase(s.where, a.scalar.bytes) : setCase(s.where, a.scalar.bytes))),
    };
  };
  return [...[...get.values()].map((t) => view(t, 'get')), ...[...set.values()].map((t) => view(t, 'set'))];
}

export function statementView(p: StatementProbe, probeFn: string): StatementView {
  const st = p.statement;
  const prefix = `st${p.id}`;
  return {
    partial: 'statement',
    probe: p.id,
    on: p.on,
    probeFn,
    func: st.func,
    file: st.file,
    line: st.line,
    sitesArray: `${prefix}_sites`,
    sites: st.sites.map((s, i) => ({
      name: `${prefix}_${i}`,
      symbol: s.symbol,
      offset: s.offset,
      address: s.address,
      line: s.line,
      where: `${s.file.split('/').slice(-2).join('/')}:${s.line}${s.inlined ? `, in ${s.function} inlined` : ''}`,
    })),
  };
}

/**
 * The entry kprobes for every entry value some statement probe reads, one
 * per function, and the thread-variable slots they fill (after the spec's
 * own thread variables, FIRST_SLOT on).
 */
export function entryCaptures(probes: StatementProbe[], firstSlot: number): { captures: EntryCaptureView[]; slots: EntrySlot[] } {
  const byFunction = new Map<string, Map<PtRegsField, { cfa: RegsAddress; users: Set<string> }>>();
  for (const p of probes) {
    for (const t of usedLocals(p).get.values()) {
      const a = t.access as LocalAccess;
      for (const s of a.sites) {
        if (s.where.kind !== 'entry') continue;
        const regsOf = byFunction.get(s.where.function) ?? new Map<PtRegsField, { cfa: RegsAddress; users: Set<string> }>();
        byFunction.set(s.where.function, regsOf);
        const entry = regsOf.get(s.where.reg) ?? { cfa: s.where.entryCfa, users: new Set<string>() };
        entry.users.add(t.name);
        regsOf.set(s.where.reg, entry);
      }
    }
  }
  const slots: EntrySlot[] = [];
  const captures: EntryCaptureView[] = [];
  let next = firstSlot;
  for (const [fn, regsOf] of [...byFunction.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const saves = [...regsOf.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reg, { cfa, users }]) => {
      const slot = entrySlotName(fn, reg);
      slots.push({ name: slot, id: next });
      next += 2;
      return {
        slot,
        reg,
        cfa: `regs->${cfa.base}${cfa.offset >= 0 ? ` + ${cfa.offset}` : ` - ${-cfa.offset}`}`,
        comment: `${registerName(reg)} for ${[...users].sort().join(', ')}`,
      };
    });
    captures.push({ partial: 'entry-capture', name: `entry_${slug(fn)}`, function: fn, saves });
  }
  return { captures, slots };
}
