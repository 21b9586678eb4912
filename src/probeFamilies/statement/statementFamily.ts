// The statement family: `statement:FUNC@FILE:LINE` (SystemTap
// `kernel.statement("FUNC@FILE:LINE")`). Every address of a source line
// from the target's DWARF, each a kprobe at symbol+offset
// (templates/partials/statement.hbs); `$locals` read and written through
// generated accessors (statement-local.hbs); entry values captured by entry
// kprobes (entry-capture.hbs) in thread-variable slots.
import { EnvironmentError } from '../../errors.js';
import type { ProbeFamily, SharedCall } from '../types.js';
import { describeStatement } from '../sourceLine/describeStatement.js';
import { resolveStatementProbe } from './resolveStatement.js';
import { listStatementLines } from './statementLines.js';
import { entryCaptures, kernelLocalAccessors, statementView } from './statementView.js';
import type { StatementPlacement } from './types.js';
import { statementSpelling, type StatementPoint } from './spelling.js';

export const statementFamily: ProbeFamily<StatementPlacement, StatementPoint> = {
  spellings: statementSpelling,
  name: 'statement',
  spelling: 'statement',
  kinds: ['statement'],
  points: ['statement'],
  context: 'task',
  callerAt: (p) => ({
    message: `a statement probe is inside ${p.statement.func}, whose frame is on the stack there: the word at the stack pointer is not its return address`,
    hint: `read it at kprobe:${p.statement.func}, the function's entry (and keep it in a thread var)`,
  }),
  oneBuild: true,
  resolve: (point, facts, label) => resolveStatementProbe(point, facts, label),
  // A kprobe per address of the line (or of every line of a range).
  kernelProbeCount: (placement) => placement.statement.sites.length,
  // SITE: which address of the line was hit (locals live in different places at each).
  body: () => ({
    params: 'struct pt_regs *regs, unsigned int site, unsigned long slide, unsigned long func_addr',
    hasRegs: true,
    setup: ['ctx->site = site;', 'ctx->slide = slide;', 'ctx->func_addr = func_addr;'],
  }),
  helpers: kernelLocalAccessors,
  // Each address of a line is a kprobe, which may share its address with
  // another probe's (src/render/sharedKprobes.ts).
  kprobePlaces: (probes) => probes.flatMap((p) => p.statement.sites.map((s, i) => ({ symbol: s.symbol, offset: s.offset, probe: p.id, group: `statement ${p.id} address ${i}` }))),
  render: (probes, ctx) => {
    const statements = probes.map((p) => statementView(p, ctx.probeFn(p), ctx.sharedKprobe));
    // A site in a shared kprobe: its call goes there (an address's site number, the slide, the function's address).
    const sharedCalls: SharedCall[] = statements.flatMap((s) => s.sites.flatMap((site, i) =>
      site.shared ? [{ kprobe: site.shared, probe: s.probe, call: `${s.probeFn}(regs, ${i}, addr - ${site.address}UL, addr - 0x${site.offset.toString(16)});` }] : []));
    // Entry kprobes for the entry values the statements read.
    const entry = entryCaptures(probes, ctx.firstThreadSlot);
    const links = new Map<number, string[]>();
    for (const s of statements) links.set(s.probe, [`.sites = ${s.sitesArray}`, `.nsites = ARRAY_SIZE(${s.sitesArray})`]);
    return {
      declarations: entry.slots.length ? [{ partial: 'statement-entry-slots', slots: entry.slots }] : [],
      definitions: [...statements, ...entry.captures],
      kprobes: [...statements.flatMap((s) => s.sites.flatMap((site) => (site.shared ? [] : [site.name]))), ...entry.captures.map((c) => c.name)],
      links,
      threadSlots: 2 * entry.slots.length,
      sharedCalls,
    };
  },
  where: (p) => ` on ${p.symbol}`,
  describe: (p) => describeStatement(p.statement, p.targets, 'kernel'),
  list: (query, facts, opts) => {
    if (!('constant' in facts)) throw new EnvironmentError(`statement lines of ${facts.release} need its headers and debuginfo`, `install its headers (apt-get install linux-headers-${facts.release}), or use --kernel debian:6.1`);
    return { release: facts.release, entries: listStatementLines(query, facts, opts.verbose), sources: ['debuginfo (DWARF)'] };
  },
};
