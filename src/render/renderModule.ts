// Plan → C sources and Kbuild, through the Handlebars templates in
// templates/. A pure function of the Plan (plus the fixed runtime in kmod/):
// the same plan always renders the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import type { ParamType } from '../patchSpec/types.js';
import type { Plan, PlanProbe } from '../plan/types.js';
import { FAMILIES, familyOf, type AnyProbeFamily } from '../probeFamilies/registry.js';
import type { CPart, FamilyRender, InsmodRefusal, ProbeCommon } from '../probeFamilies/types.js';
import { projectRoot } from '../projectRoot.js';
import { CEmitter, cComment, cString, guardCondition, kernelCallWrapper } from './emitC.js';
import { aggValueWords, COUNTERS_MAP, keyBytes, type PlanMap } from '../expr/aggregates.js';
import type { IrStmt } from '../expr/ir.js';
import { manifestOf } from './manifest.js';
import { renderSharedKprobes, sharedKprobePlaces } from './sharedKprobes.js';
import { templates, type Templates } from './templates.js';

export interface RenderedModule {
  module: string;
  /** File name → contents: probes.c, Kbuild, guru_runtime.h, guru_runtime.c and the families' runtime parts (guru_*.c). */
  files: Record<string, string>;
}

/** The runtime macros that may `goto fault` (kmod/guru_runtime.h). */
const FAULTING_MACROS = /\bGURU_(USER_STRING|KERNEL_STRING|DIVU?|MODU?|TVAR_SET|LOCAL|SET_LOCAL|READ|WRITE|SYS_SET_ARG|KERNEL_CALL)\(/;

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
}

function probeFunctionName(p: ProbeCommon, variant?: number): string {
  const base = `probe${p.id}_${slug(p.canonical)}`;
  return variant === undefined || !p.variants ? base : `${base}_m${p.variants[variant]!.index}`;
}

/** The distinct kernel functions the plan's probes call, in the order they first appear. */
function kernelCallsOf(plan: Plan): Extract<IrStmt, { k: 'kernelCall' }>[] {
  const found = new Map<string, Extract<IrStmt, { k: 'kernelCall' }>>();
  const visit = (s: IrStmt): void => {
    if (s.k === 'kernelCall' && !found.has(s.name)) found.set(s.name, s);
    if (s.k === 'block') s.stmts.forEach(visit);
  };
  for (const p of plan.probes) for (const actions of [p.actions, ...(p.variants ?? []).map((v) => v.actions)]) actions.forEach(visit);
  return [...found.values()];
}

/** TEMPLATES: which form of them renders (tests compare the precompiled and the compiled). */
export function renderModule(plan: Plan, using: Templates = templates()): RenderedModule {
  const specFileC = cString(plan.specFile);
  // One handler per probe, or per variant (each match of a wildcard, with its own types).
  const handlers = plan.probes.flatMap((p) => {
    const family = familyOf(p);
    const shape = family.body(p);
    // The built-in knob enabled is part of every probe's where: check (kmod/guru_runtime.h, guru_enabled).
    const guard = ['guru_enabled()', guardCondition(p.guard)].filter(Boolean).join(' && ');
    const condLine = p.condLine ?? p.line;
    const forms = p.variants?.map((v, i) => ({ fn: probeFunctionName(p, i), cond: v.cond, actions: v.actions })) ?? [{ fn: probeFunctionName(p), cond: p.cond, actions: p.actions }];
    return forms.map((form) => {
      const emitter = new CEmitter({ vars: plan.vars, params: plan.params, probe: p.id, maps: plan.maps });
      const cond = form.cond ? { line: condLine, c: emitter.condition(form.cond, condLine) } : undefined;
      const actions = form.actions.map((a) => ({ line: a.line, c: emitter.stmt(a) }));
      const allC = [cond?.c ?? '', ...actions.flatMap((a) => a.c)].join('\n');
      return {
        ...p,
        fn: form.fn,
        params: shape.params,
        hasRegs: shape.hasRegs,
        enter: shape.enter,
        setup: shape.setup,
        guard,
        cond,
        actions,
        // The names PARAMS declares, to pass them on (probe-body.hbs).
        args: shape.params === 'void' ? '' : shape.params.split(',').map((d) => /(\w+)\s*$/.exec(d)![1]).join(', '),
        // Emit only the labels something jumps to (no -Wunused-label). A
        // handler with regs checks enabled and its where: guard before it
        // enters (probe-body.hbs); one without (begin, end, timers) checks them inside.
        usesMiss: cond !== undefined || !shape.hasRegs,
        usesFault: FAULTING_MACROS.test(allC),
        specFile: plan.specFile,
        specFileC,
        helpers: family.helpers?.(p) ?? [],
      };
    });
  });

  // Each family renders its own probes, in the table's order.
  const threadVars = plan.vars.filter((v) => v.scope === 'thread');
  let threadSlots = threadVars.length;
  const parts: FamilyRender[] = [];
  // The runtime: its core, and the parts of the families the plan uses.
  const runtimeSources = ['guru_runtime.c'];
  const insmodRefusals: InsmodRefusal[] = [];
  // Addresses several families' kprobes share get one kprobe, rendered here (sharedKprobes.ts).
  const shared = sharedKprobePlaces(plan.probes);
  const sharedKprobe = (symbol: string, offset: number): string | undefined => shared.find((s) => s.symbol === symbol && s.offset === offset)?.name;
  for (const family of FAMILIES as readonly AnyProbeFamily[]) {
    const own = plan.probes.filter((p: PlanProbe) => (family.kinds as readonly string[]).includes(p.kind));
    if (own.length === 0) continue;
    const part = family.render(own, { probeFn: probeFunctionName, firstThreadSlot: threadSlots, sharedKprobe });
    threadSlots += part.threadSlots ?? 0;
    parts.push(part);
    runtimeSources.push(...(family.runtime ?? []));
    insmodRefusals.push(...(family.insmodRefusals ?? []));
  }
  if (shared.length) {
    const definitions = renderSharedKprobes(shared, parts.flatMap((part) => part.sharedCalls ?? []), plan.probes);
    // First among the definitions: the families' (a statement's table of its kprobes) may name them.
    parts.unshift({ definitions, kprobes: shared.map((s) => s.name) });
  }
  // raise() brings a runtime part of its own, attached like a family's (its irq_works live until unload).
  const raises = plan.probes.some((p) => [p.actions, ...(p.variants ?? []).map((v) => v.actions)].some((as) => as.some((a) => a.k === 'raise')));
  if (raises) {
    parts.push({ declarations: [{ partial: 'signal' }], attachSets: ['{ .ops = &guru_signal_ops, .defs = NULL, .n = 0 }'] });
    runtimeSources.push('guru_signal.c', 'guru_signal.h');
  }
  // Maps and counters: the runtime's per-CPU tables (kmod/guru_agg.c), allocated and freed like a family's attach set.
  if (plan.maps?.length) {
    parts.push({
      declarations: [{ partial: 'aggregates', maps: plan.maps.map(aggregateView) } as CPart],
      attachSets: [`{ .ops = &guru_agg_ops, .defs = (void *)guru_agg_maps, .n = ${plan.maps.length} }`],
      moduleFields: ['.agg_open = guru_agg_open', '.agg_clear = guru_agg_clear'],
    });
    runtimeSources.push('guru_agg.c', 'guru_agg.h');
  }
  // Kernel calls (the allow-list's functions) bring theirs too: each function's wrapper, and the deferral pool.
  const calls = kernelCallsOf(plan);
  if (calls.length) {
    const wrappers = calls.map(kernelCallWrapper);
    parts.push({
      declarations: [{ partial: 'kernel-calls', structs: [...new Set(wrappers.flatMap((w) => w.structs))], calls: wrappers } as CPart],
      attachSets: ['{ .ops = &guru_call_ops, .defs = NULL, .n = 0 }'],
    });
    runtimeSources.push('guru_call.c', 'guru_call.h');
  }
  const gather = <T>(pick: (part: FamilyRender) => T[] | undefined): T[] => parts.flatMap((part) => pick(part) ?? []);
  const links = new Map<number, string[]>();
  for (const part of parts) for (const [id, fields] of part.links ?? []) links.set(id, fields);
  // One entry per spec probe (guru_probes[], the stats' lines), however many handlers its matches have.
  const probeTable = plan.probes.map((p) => ({ id: p.id, on: p.on, line: p.line, label: cString(p.on), links: links.get(p.id) ?? [] }));

  const view = {
    module: plan.module,
    specFile: plan.specFile,
    description: plan.description,
    moduleDescription: plan.description ?? `guru patch ${plan.name}`,
    threadVars,
    threadSlots,
    declarations: gather((r) => r.declarations),
    globalVars: plan.vars.filter((v) => v.scope === 'global'),
    params: plan.params.map((p) => ({ ...p, isUnsigned: p.type === 'u64', initialC: knobLiteral(p.initial, p.type), minC: knobLiteral(p.min, p.type), maxC: knobLiteral(p.max, p.type) })),
    handlers,
    definitions: gather((r) => r.definitions),
    requiredKprobes: gather((r) => r.kprobes),
    wildKprobes: gather((r) => r.wildKprobes),
    requiredKretprobes: gather((r) => r.kretprobes),
    wildKretprobes: gather((r) => r.wildKretprobes),
    beginProbes: gather((r) => r.begin),
    endProbes: gather((r) => r.end),
    attachSets: gather((r) => r.attachSets),
    moduleFields: [...new Set(gather((r) => r.moduleFields))],
    runtimeObjects: runtimeSources.filter((f) => f.endsWith('.c')).map((f) => f.replace(/\.c$/, '.o')),
    probeTable,
    manifestC: splitCString(JSON.stringify(manifestOf(plan, insmodRefusals))),
  };
  const t = using;
  const runtimeDir = path.join(projectRoot(), 'kmod');
  const files: Record<string, string> = {
    'probes.c': restoreLineDirectives(t.module(view), 'probes.c'),
    'Kbuild': t.kbuild(view),
    'guru_runtime.h': fs.readFileSync(path.join(runtimeDir, 'guru_runtime.h'), 'utf8'),
  };
  for (const f of runtimeSources) files[f] = fs.readFileSync(path.join(runtimeDir, f), 'utf8');
  return { module: plan.module, files };
}

/** A map's struct guru_agg_map, for templates/partials/aggregates.hbs. */
function aggregateView(m: PlanMap): Record<string, unknown> {
  const keys = m.keys.map((k) => (k.type === 'int' ? 'int' : `string[${k.size}]`)).join(', ');
  const about = m.slots ? (m.name === COUNTERS_MAP ? `count(): ${m.slots.map((n) => JSON.stringify(n)).join(', ')}` : `${m.name} = ${m.kind}()`) : `${m.name}[${keys}] = ${m.kind}()`;
  return {
    id: m.id,
    nameC: cString(m.name),
    kind: `GURU_AGG_${m.kind.toUpperCase()}`,
    dense: m.slots !== undefined,
    keySize: keyBytes(m.keys),
    nvals: aggValueWords(m.kind, m.lhist),
    capacity: m.capacity,
    lhist: m.lhist && { minC: knobLiteral(m.lhist.min, 's64'), stepC: knobLiteral(m.lhist.step, 's64') },
    about: cComment(about),
  };
}

/**
 * A knob's value as a C initializer of its s64 word: a u64 above S64_MAX is
 * its bit pattern, the type's limits are the kernel's names for them.
 */
function knobLiteral(text: string, type: ParamType): string {
  const v = BigInt(text);
  const limits: Record<string, string> = {
    [String(-(1n << 63n))]: 'S64_MIN', [String((1n << 63n) - 1n)]: 'S64_MAX',
    ...(type === 'u64' ? { [String((1n << 64n) - 1n)]: '(s64)U64_MAX' } : {}),
  };
  if (limits[text]) return limits[text]!;
  if (v >= 1n << 63n) return `(s64)${v}ULL`;
  if (v >= -(1n << 31n) && v < 1n << 31n) return String(v);
  return `${v}LL`;
}

/** Long JSON as adjacent C string literals, one line each, for readable C. */
function splitCString(s: string): string {
  const parts: string[] = [];
  // By code points: a cut inside a surrogate pair (an emoji in a log format)
  // would turn each half into U+FFFD in the manifest.
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i += 96) parts.push(cString(chars.slice(i, i + 96).join('')));
  return parts.join('\n\t');
}

/**
 * `#line RESTORE` ends a stretch mapped into the spec: point the compiler
 * back at the generated file itself, at the right line.
 */
function restoreLineDirectives(text: string, file: string): string {
  return text
    .split('\n')
    .map((l, i) => (l === '#line RESTORE' ? `#line ${i + 2} "${file}"` : l))
    .join('\n');
}
