// What the templates need for statement probes (templates/partials/
// statement*.hbs and entry-capture.hbs): one kprobe per address, and the
// entry kprobes that capture registers for DW_OP_entry_value locals (only
// entry values an expression reads get captured). The accessors of
// `$local`s are sourceLine/localAccessors.ts's, in kernel memory.
import type { LocalAccess, PtRegsField, RegsAddress } from '../../expr/localAccess.js';
import type { ProbeCommon } from '../types.js';
import { entrySlotName, localAccessors, slug, usedLocals, type LocalAccessorView } from '../sourceLine/localAccessors.js';
import { registerName } from '../sourceLine/ptRegs.js';
import type { StatementPlacement } from './types.js';

type StatementProbe = ProbeCommon & StatementPlacement;

/** Accessors of the locals statement probe P's expressions use. */
export function kernelLocalAccessors(p: StatementProbe): LocalAccessorView[] {
  return localAccessors(p, 'kernel');
}

export interface StatementSiteView {
  name: string;
  symbol: string;
  offset: number;
  address: string;
  line: number;
  where: string;
  /** The shared kprobe this address is in (src/render/sharedKprobes.ts), instead of one of its own; '' if none. */
  shared: string;
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

export function statementView(p: StatementProbe, probeFn: string, sharedKprobe?: (symbol: string, offset: number) => string | undefined): StatementView {
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
      shared: sharedKprobe?.(s.symbol, s.offset) ?? '',
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
