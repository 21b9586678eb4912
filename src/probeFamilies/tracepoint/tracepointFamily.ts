// The tracepoint family: `tracepoint:CATEGORY:EVENT` (bpftrace `t:`,
// SystemTap `kernel.trace("EVENT")`), syscalls:sys_enter_NAME and
// sys_exit_NAME included. Every field of the event's record is `$field`
// (bpftrace's args->field too), typed as the event's format says, and
// read-only: the record is the copy the kernel made for tracers. The module
// gets records from one kernel perf counter per CPU on the event
// (kmod/guru_tracepoint.c says why and how); templates/partials/
// tracepoint.hbs hands each to the spec's probes on it in spec order.
import os from 'node:os';
import { nearestName } from '../../diagnostics/nearestName.js';
import { EnvironmentError, UserError } from '../../errors.js';
import type { UnavailableTarget } from '../../expr/compileExpression.js';
import { STRING_MAX } from '../../expr/compileExpression.js';
import type { TargetTypeInfo, TargetVar } from '../../expr/ir.js';
import { intCType } from '../../kernelFacts/kernelFunctionSignature.js';
import { syscallArgRegisterType, syscallArgTypeInfo } from '../../kernelFacts/syscallArgRegisterType.js';
import { globToRegExp } from '../kprobeFunctions.js';
import type { ListedTarget, ListEntry, ListFacts, ProbeFamily, ProbeScope, Resolution, ResolveError } from '../types.js';
import { CatalogError, tracepointCatalog } from './catalog.js';
import { tracepointSpelling, type TracepointPoint } from './spelling.js';
import type { TracepointCatalog, TracepointEvent, TracepointField, TracepointPlacement } from './types.js';

type CatalogFacts = Pick<ListFacts, 'release' | 'btf'> & { systemMapPath?: string; imagePath?: string };

function catalogOf(facts: CatalogFacts): TracepointCatalog | ResolveError {
  try {
    return tracepointCatalog(facts, facts.release === os.release());
  } catch (err) {
    if (err instanceof CatalogError) return { message: err.message, hint: 'use a kernel from the store (guru kernel add debian:6.1, then --kernel debian:6.1)' };
    throw err;
  }
}

/**
 * How a field is read out of the record the handler gets (kmod/guru_runtime.h):
 * an array's address, or that of the data a __data_loc / __rel_loc word points to.
 */
const RECORD_ADDRESS_MACROS = { array: 'GURU_RECORD_ADDR', dataLoc: 'GURU_RECORD_DATA_LOC', relLoc: 'GURU_RECORD_REL_LOC' } as const;

/** How a field reads: its C value type, and whether it is text or a typed pointer. */
function fieldTarget(e: TracepointEvent, f: TracepointField, name: string): TargetVar | UnavailableTarget {
  const base = { name, ctype: f.type, writable: false };
  const isText = /^(__data_loc |__rel_loc )?(const )?(unsigned )?char\b/.test(f.type) || /^(const )?char\[/.test(f.type);
  switch (f.layout) {
    case 'array':
    case 'dataLoc':
    case 'relLoc': {
      const t: TargetVar = { ...base, registerCType: 'unsigned long', access: { kind: 'c', c: `${RECORD_ADDRESS_MACROS[f.layout]}(${f.offset})` } };
      // Text reads as a string where it is used, copied out of the record and bounded by it; other arrays are their address, as in C.
      if (isText) {
        const max = f.layout === 'array' ? Math.min(f.size, STRING_MAX) : STRING_MAX;
        const read = f.layout === 'array'
          ? { macro: 'GURU_RECORD_ARRAY_STRING', args: [String(f.offset), String(f.size), String(max)] }
          : { macro: 'GURU_RECORD_LOC_STRING', args: [String(f.offset), String(f.layout === 'relLoc'), String(max)] };
        t.string = { space: 'kernel', max, read };
      }
      return t;
    }
    case 'value': {
      // A syscall argument sits in an unsigned long slot: its own type says how much of it is the value.
      const registerCType = f.argType ? syscallArgRegisterType(f.argType) : intCType(f.size, f.signed);
      if (!registerCType) {
        return { message: `${name} (${f.type}, ${f.size} bytes) cannot be read at tracepoint:${e.category}:${e.event}: guru reads 1, 2, 4 and 8-byte integers and pointers`, hint: 'log the fields around it' };
      }
      const t: TargetVar = { ...base, registerCType, access: { kind: 'c', c: `GURU_RECORD(${registerCType}, ${f.offset})` } };
      const typeInfo: TargetTypeInfo | undefined = f.argType
        ? userPointer(syscallArgTypeInfo(f.argType))
        : f.typeId !== undefined && f.type.includes('*') ? { typeId: f.typeId, space: 'kernel' } : undefined;
      if (typeInfo) t.typeInfo = typeInfo;
      return t;
    }
  }
}

/** Pointers among a syscall's arguments point into the caller's memory. */
function userPointer(info: TargetTypeInfo | undefined): TargetTypeInfo | undefined {
  return info && 'pointerTo' in info ? { ...info, space: 'user' } : info;
}

function resolveEvent(e: TracepointEvent, facts: CatalogFacts, label: string): Resolution<TracepointPlacement> {
  const scope: ProbeScope = { targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map() };
  const listed: ListedTarget[] = [];
  const syscall = /^sys_(enter|exit)_(\w+)$/.exec(e.event);
  for (const f of e.fields) {
    const name = `$${f.name}`;
    const t = fieldTarget(e, f, name);
    if ('access' in t) {
      scope.targets.set(name, t);
      scope.readOnly.set(name, {
        message: `cannot write ${name} at ${label}: tracepoint fields are read-only (the record is a copy the kernel made for tracers)`,
        hint: syscall && syscall[1] === 'enter' ? `write the argument at syscall:${syscall[2]} instead; guru restores it on return` : 'to change what the kernel does, write an argument or $return of the function that fires the event (kprobe:, kretprobe:)',
      });
      listed.push({ name, ctype: f.type, writable: false });
    } else {
      scope.unavailableTargets.set(name, t);
      listed.push({ name, ctype: f.type, writable: false, unavailable: `${f.size} bytes; guru reads 1, 2, 4 and 8-byte integers and pointers` });
    }
  }
  scope.unavailableTargets.set('$return', {
    message: `$return is not a field of ${e.category}:${e.event}`,
    hint: syscall && syscall[1] === 'exit' ? 'the return value is the field $ret' : `its fields: ${[...scope.targets.keys()].join(', ') || 'none'}`,
  });
  const proto = facts.btf?.()?.tracepoint(e.event);
  return {
    ...scope,
    placement: { kind: 'tracepoint', category: e.category, event: e.event, fixedSize: e.fixedSize },
    unknownTargetNote: `the fields of ${e.category}:${e.event} are its format's (guru list -v 'tracepoint:${e.category}:${e.event}')`,
    declaration: proto ? `TP_PROTO(${proto.params.map((p) => facts.btf!()!.cType(p.typeId, p.name)).join(', ')})` : undefined,
    listed,
  };
}

function resolveTracepoint(point: { category: string; event: string }, facts: CatalogFacts, label: string): Resolution<TracepointPlacement> | ResolveError {
  const catalog = catalogOf(facts);
  if ('message' in catalog) return catalog;
  const any = point.category === '*';
  const found = catalog.events.filter((e) => e.event === point.event && (any || e.category === point.category));
  if (found.length === 1) return resolveEvent(found[0]!, facts, label);
  if (found.length > 1) {
    return {
      message: `${label} names ${found.length} events: ${found.map((e) => `${e.category}:${e.event}`).join(', ')}`,
      hint: `name the category: tracepoint:${found[0]!.category}:${point.event}`,
    };
  }
  const near = nearestName(any ? point.event : `${point.category}:${point.event}`, catalog.events.map((e) => (any ? e.event : `${e.category}:${e.event}`)));
  const sameName = catalog.events.find((e) => e.event === point.event);
  return {
    message: `no trace event ${any ? point.event : `${point.category}:${point.event}`} in ${facts.release}`,
    hint: sameName
      ? `it is in category ${sameName.category}: tracepoint:${sameName.category}:${point.event}`
      : near
        ? `did you mean tracepoint:${any ? `${catalog.events.find((e) => e.event === near)?.category}:${near}` : near}?`
        : `guru list 'tracepoint:${any ? '*' : point.category}:*' lists them`,
  };
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 40);
}

export const tracepointFamily: ProbeFamily<TracepointPlacement, TracepointPoint> = {
  spellings: tracepointSpelling,
  name: 'tracepoint',
  spelling: 'tracepoint',
  kinds: ['tracepoint'],
  points: ['tracepoint'],
  context: 'task',
  runtime: ['guru_tracepoint.c', 'guru_tracepoint.h'],
  resolve: (point, facts, label) => resolveTracepoint(point, facts, label),
  body: () => ({ params: 'struct pt_regs *regs, const void *record, u32 size', hasRegs: true, setup: ['ctx->record = record;', 'ctx->record_size = size;'] }),
  render: (probes, ctx) => {
    // One perf counter set per event; its record goes to the spec's probes on it in spec order.
    const keys = [...new Set(probes.map((p) => `${p.category}:${p.event}`))];
    const events = keys.map((key, i) => {
      const on = probes.filter((p) => `${p.category}:${p.event}` === key);
      return {
        name: `tp${i}_${slug(on[0]!.event)}`,
        system: on[0]!.category,
        event: on[0]!.event,
        minSize: Math.max(...on.map((p) => p.fixedSize)),
        probeFns: on.map((p) => ctx.probeFn(p)),
        probeIds: on.map((p) => p.id),
      };
    });
    return {
      declarations: [{ partial: 'tracepoint', include: true, events: [] }],
      definitions: [{ partial: 'tracepoint', include: false, events }],
      attachSets: ['{ .ops = &guru_tracepoint_ops, .defs = guru_tracepoints, .n = ARRAY_SIZE(guru_tracepoints) }'],
    };
  },
  where: (p) => ` on ${p.category}:${p.event}`,
  list: (query, facts, opts) => {
    const catalog = catalogOf(facts);
    if ('message' in catalog) throw new EnvironmentError(catalog.message, catalog.hint);
    const cat = globToRegExp(query.category);
    const ev = globToRegExp(query.event);
    const events = catalog.events.filter((e) => cat.test(e.category) && ev.test(e.event));
    if (events.length === 0 && !query.event.includes('*') && !query.category.includes('*')) {
      const r = resolveTracepoint(query, facts, `tracepoint:${query.category}:${query.event}`);
      if ('message' in r) throw new UserError(r.message, r.hint);
    }
    const entries = events.map((e): ListEntry => {
      const point = `tracepoint:${e.category}:${e.event}`;
      if (!opts.verbose) return { point };
      const r = resolveEvent(e, facts, point);
      return r.declaration ? { point, declaration: r.declaration, targets: r.listed } : { point, targets: r.listed };
    });
    return { release: facts.release, entries, sources: [catalog.source] };
  },
};
