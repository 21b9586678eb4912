// Plan → C sources and Kbuild, through the Handlebars templates in
// templates/. A pure function of the Plan (plus the fixed runtime in kmod/):
// the same plan always renders the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import type { Plan, PlanProbe } from '../plan/types.js';
import { projectRoot } from '../projectRoot.js';
import { CEmitter, cString, guardCondition } from './emitC.js';
import { manifestOf } from './manifest.js';
import { entryCaptures, localAccessors, statementView } from './statementView.js';
import { templates, type Templates } from './templates.js';

export interface RenderedModule {
  module: string;
  /** File name → contents: probes.c, guru_runtime.c, guru_runtime.h, Kbuild. */
  files: Record<string, string>;
}

/** The runtime macros that may `goto fault` (kmod/guru_runtime.h). */
const FAULTING_MACROS = /\bGURU_(USER_STRING|KERNEL_STRING|DIV|MOD|TVAR_SET|LOCAL|SET_LOCAL|READ)\(/;

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
}

function probeFunctionName(p: PlanProbe): string {
  return `probe${p.id}_${slug(p.canonical)}`;
}

/** Parameters and context set-up of a probe body, by kind. */
function bodyShape(p: PlanProbe): { params: string; hasRegs: boolean; setup: string[] } {
  switch (p.kind) {
    case 'kprobe':
      return { params: 'struct pt_regs *regs, unsigned long func_addr', hasRegs: true, setup: ['ctx->func_addr = func_addr;'] };
    case 'kretprobe':
      return {
        params: 'struct pt_regs *regs, const unsigned long *entry_args, unsigned long func_addr',
        hasRegs: true,
        setup: ['ctx->entry_args = entry_args;', 'ctx->func_addr = func_addr;'],
      };
    case 'syscall':
    case 'syscall-return':
      return {
        params: 'struct pt_regs *regs, struct guru_sys_saved *sys, unsigned long func_addr',
        hasRegs: true,
        setup: ['ctx->sys_regs = sys->sys_regs;', 'ctx->sys_saved = sys;', 'ctx->func_addr = func_addr;'],
      };
    case 'statement':
      // SITE: which address of the line was hit (locals live in different places at each).
      return {
        params: 'struct pt_regs *regs, unsigned int site, unsigned long slide, unsigned long func_addr',
        hasRegs: true,
        setup: ['ctx->site = site;', 'ctx->slide = slide;', 'ctx->func_addr = func_addr;'],
      };
    case 'begin':
    case 'end':
      return { params: 'void', hasRegs: false, setup: [] };
  }
}

/** TEMPLATES: which form of them renders (tests compare the precompiled and the compiled). */
export function renderModule(plan: Plan, using: Templates = templates()): RenderedModule {
  const specFileC = cString(plan.specFile);
  const probes = plan.probes.map((p) => {
    const emitter = new CEmitter({ vars: plan.vars, params: plan.params, probe: p.id });
    const shape = bodyShape(p);
    const guard = guardCondition(p.guard);
    const condLine = p.condLine ?? p.line;
    const cond = p.cond ? { line: condLine, c: emitter.condition(p.cond, condLine) } : undefined;
    const actions = p.actions.map((a) => ({ line: a.line, c: emitter.stmt(a) }));
    const allC = [cond?.c ?? '', ...actions.flatMap((a) => a.c)].join('\n');
    return {
      ...p,
      fn: probeFunctionName(p),
      params: shape.params,
      hasRegs: shape.hasRegs,
      setup: shape.setup,
      guard,
      cond,
      actions,
      // Emit only the labels something jumps to (no -Wunused-label).
      usesMiss: guard !== undefined || cond !== undefined,
      usesFault: FAULTING_MACROS.test(allC),
      specFile: plan.specFile,
      specFileC,
      accessors: localAccessors(p),
    };
  });
  // One kprobe (or kretprobe) per function; a wildcard expands to many,
  // registered best-effort because some matches may not be probe-able.
  const attachments = (kind: 'kprobe' | 'kretprobe', prefix: string) =>
    plan.probes
      .filter((p) => p.kind === kind)
      .flatMap((p) =>
        (p.symbols ?? [p.symbol!]).map((symbol, i) => ({
          name: p.symbols ? `${prefix}${p.id}_${i}_${slug(symbol)}` : `${prefix}${p.id}_${slug(symbol)}`,
          label: p.symbols ? `${p.on} (match ${i + 1} of ${p.symbols.length})` : p.on,
          symbol,
          offset: p.offset ?? 0,
          probeFn: probeFunctionName(p),
          probe: p.id,
          wildcard: p.symbols !== undefined,
        })),
      );
  const kprobes = attachments('kprobe', 'kp');
  const kretprobes = attachments('kretprobe', 'krp');
  const syscallNames = [...new Set(plan.probes.filter((p) => p.syscall).map((p) => p.syscall!))];
  const syscalls = syscallNames.map((name) => {
    const members = plan.probes.filter((p) => p.syscall === name);
    return {
      name: `sys_${name}_krp`,
      syscall: name,
      symbol: members[0].symbol!,
      entryProbes: members.filter((p) => p.kind === 'syscall').map(probeFunctionName),
      returnProbes: members.filter((p) => p.kind === 'syscall-return').map(probeFunctionName),
      probes: members.map((p) => p.id),
    };
  });
  // Statement probes: a kprobe per address, plus entry kprobes for entry values.
  const statements = plan.probes.filter((p) => p.kind === 'statement').map((p) => statementView(p, probeFunctionName(p)));
  // The probe table: each probe names its kprobe(s), whose nmissed the stats
  // report; a wildcard's many kprobes are not linked.
  const links = new Map<number, string[]>(plan.probes.map((p) => [p.id, []]));
  for (const k of kprobes) if (!k.wildcard) links.get(k.probe)!.push(`.kp = &${k.name}`);
  for (const k of kretprobes) if (!k.wildcard) links.get(k.probe)!.push(`.krp = &${k.name}`);
  for (const s of syscalls) for (const id of s.probes) links.get(id)!.push(`.krp = &${s.name}`);
  for (const s of statements) links.get(s.probe)!.push(`.sites = ${s.sitesArray}`, `.nsites = ARRAY_SIZE(${s.sitesArray})`);
  const probeTable = plan.probes.map((p) => ({ label: cString(p.on), links: links.get(p.id)! }));
  const threadVars = plan.vars.filter((v) => v.scope === 'thread');
  const entry = entryCaptures(plan, threadVars.length);

  const view = {
    module: plan.module,
    specFile: plan.specFile,
    description: plan.description,
    moduleDescription: plan.description ?? `guru patch ${plan.name}`,
    threadVars,
    threadSlots: threadVars.length + 2 * entry.slots.length,
    entrySlots: entry.slots,
    entryCaptures: entry.captures,
    statements,
    globalVars: plan.vars.filter((v) => v.scope === 'global'),
    params: plan.params,
    probes,
    kprobes,
    kretprobes,
    syscalls,
    requiredKprobes: [
      ...kprobes.filter((k) => !k.wildcard).map((k) => k.name),
      ...statements.flatMap((s) => s.sites.map((site) => site.name)),
      ...entry.captures.map((c) => c.name),
    ],
    wildKprobes: kprobes.filter((k) => k.wildcard).map((k) => k.name),
    requiredKretprobes: [...kretprobes.filter((k) => !k.wildcard).map((k) => k.name), ...syscalls.map((s) => s.name)],
    wildKretprobes: kretprobes.filter((k) => k.wildcard).map((k) => k.name),
    beginProbes: plan.probes.filter((p) => p.kind === 'begin').map(probeFunctionName),
    endProbes: plan.probes.filter((p) => p.kind === 'end').map(probeFunctionName),
    probeTable,
    manifestC: splitCString(JSON.stringify(manifestOf(plan))),
  };
  const t = using;
  const runtimeDir = path.join(projectRoot(), 'kmod');
  return {
    module: plan.module,
    files: {
      'probes.c': restoreLineDirectives(t.module(view), 'probes.c'),
      'Kbuild': t.kbuild(view),
      'guru_runtime.h': fs.readFileSync(path.join(runtimeDir, 'guru_runtime.h'), 'utf8'),
      'guru_runtime.c': fs.readFileSync(path.join(runtimeDir, 'guru_runtime.c'), 'utf8'),
    },
  };
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
