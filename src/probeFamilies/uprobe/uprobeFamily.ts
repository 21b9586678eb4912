// The uprobe family: `uprobe:PATH:FUNC` and `uretprobe:PATH:FUNC`
// (SystemTap `process("PATH").function("FUNC")[.call|.return]`, bpftrace
// `u:`/`ur:`). A handler at a user function's entry or return, in every
// process that runs the binary (a library: every process that maps it).
// FUNC comes from the binary's ELF symbols (.symtab, else .dynsym), so
// stripped binaries work too; with no DWARF read yet, the arguments are
// positional: `$arg1..$arg6`, the x86-64 System V argument registers,
// readable and writable at entry; `$return` (rax) readable and writable at
// return. The kernel side is kmod/guru_uprobe.c; templates/partials/
// uprobe.hbs hands each hit to the spec's probes on that place in spec order.
import { nearestName } from '../../diagnostics/nearestName.js';
import { UserError } from '../../errors.js';
import { DebugInfoError } from '../../debuginfo/debugInfoError.js';
import type { TargetVar } from '../../expr/ir.js';
import { ARG_REGISTERS } from '../../kernelFacts/kernelFunctionSignature.js';
import { slug } from '../kernelFunction.js';
import { globToRegExp } from '../kprobeFunctions.js';
import type { ListedTarget, ListEntry, ProbeCommon, ProbeFamily, ProbeScope, Resolution, ResolveError } from '../types.js';
import { findUserBinary } from './findUserBinary.js';
import type { UprobePlacement } from './types.js';
import { readUserBinary, type UserBinary, type UserFunction } from './userFunctions.js';

/** What a register holds, untyped: the binary's symbols say nothing of types. */
const REGISTER_CTYPE = 'long';
/** Bytes of the probed place the module compares with the target's file (an x86 instruction is at most 15). */
const EXPECT_BYTES = 16;

type BinaryOrError = { binary: UserBinary } | ResolveError;

function openBinary(spec: string): BinaryOrError {
  const found = findUserBinary(spec);
  if ('message' in found) return found;
  try {
    return { binary: readUserBinary(found.path) };
  } catch (err) {
    if (err instanceof DebugInfoError || (err as NodeJS.ErrnoException).code) return { message: `cannot read ${found.path}: ${(err as Error).message}`, hint: 'name an x86-64 ELF executable or shared library' };
    throw err;
  }
}

function spell(ret: boolean, path: string, func: string): string {
  return `${ret ? 'uretprobe' : 'uprobe'}:${path}:${func}`;
}

/** The function FUNC of BINARY, or why it cannot be probed (with the nearest names). */
function findFunction(binary: UserBinary, func: string, ret: boolean, pathAsWritten: string): UserFunction | ResolveError {
  const places = binary.functions.get(func);
  if (places?.length === 1) return places[0]!;
  if (places && places.length > 1) {
    return {
      message: `${func} names ${places.length} functions in ${binary.path} (at ${places.map((f) => `0x${f.address.toString(16)}`).join(', ')}): local functions of one name in several files`,
      hint: 'probing one of them by its address is not supported yet',
    };
  }
  if (binary.ifuncs.has(func)) {
    return {
      message: `${func} in ${binary.path} is an IFUNC: its symbol is the resolver that picks an implementation when the library is loaded, not a function that is called`,
      hint: `probe the implementation the resolver picks (guru list '${spell(ret, pathAsWritten, `*${func}*`)}')`,
    };
  }
  if (binary.functions.size === 0) {
    return { message: `${binary.path} has no function symbols (.symtab and .dynsym are empty or stripped)`, hint: 'probe a binary built with symbols, or a library function it calls' };
  }
  const near = nearestName(func, binary.functions.keys());
  return {
    message: `no function ${func} in ${binary.path}`,
    hint: near ? `did you mean ${spell(ret, pathAsWritten, near)}?` : `guru list '${spell(ret, pathAsWritten, '*')}' lists its functions`,
  };
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

/** Placement and scope of a uprobe on FN. */
function resolveFunction(binary: UserBinary, fn: UserFunction, ret: boolean, pathAsWritten: string, label: string): Resolution<UprobePlacement> {
  const scope: ProbeScope = { targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map() };
  const listed: ListedTarget[] = [];
  const entry = spell(false, pathAsWritten, fn.name);
  for (let i = 0; i < ARG_REGISTERS.length; i++) {
    const name = `$arg${i + 1}`;
    if (ret) {
      scope.unavailableTargets.set(name, {
        message: `${name} is not known at ${label}: at return the argument registers hold whatever ${fn.name} left in them`,
        hint: `read it at ${entry} (and keep it in a thread var for the return)`,
      });
      continue;
    }
    const t: TargetVar = { name, ctype: REGISTER_CTYPE, access: { kind: 'userArg', index: i }, writable: true };
    scope.targets.set(name, t);
    listed.push({ name, ctype: REGISTER_CTYPE, writable: true });
  }
  if (ret) {
    scope.targets.set('$return', { name: '$return', ctype: REGISTER_CTYPE, access: { kind: 'returnValue' }, writable: true });
    listed.push({ name: '$return', ctype: REGISTER_CTYPE, writable: true });
  } else {
    scope.unavailableTargets.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use ${spell(true, pathAsWritten, fn.name)}` });
  }
  const why = `${binary.path}'s symbols give no argument names or types (guru reads no DWARF of user binaries yet)`;
  return {
    ...scope,
    placement: {
      kind: ret ? 'uretprobe' : 'uprobe',
      path: binary.path,
      func: fn.name,
      address: `0x${fn.address.toString(16)}`,
      offset: fn.fileOffset,
      expect: hex(binary.bytesAt(fn.fileOffset, EXPECT_BYTES)),
      pie: binary.pie,
      ...(binary.buildId ? { buildId: binary.buildId } : {}),
    },
    unknownTargetNote: `arguments are positional here: ${why}`,
    note: `arguments are positional: ${why}`,
    listed,
  };
}

function resolveUprobe(point: { path: string; func: string; ret: boolean }, label: string): Resolution<UprobePlacement> | ResolveError {
  if (point.func.includes('*')) {
    return { message: `${label}: wildcards in user function names are not supported yet`, hint: `name one function; guru list '${spell(point.ret, point.path, point.func)}' lists the matches` };
  }
  const opened = openBinary(point.path);
  if ('message' in opened) return opened;
  const fn = findFunction(opened.binary, point.func, point.ret, point.path);
  if ('message' in fn) return fn;
  return resolveFunction(opened.binary, fn, point.ret, point.path, label);
}

/** C initializer bytes of a hex string: `0xf3, 0x0f, ...`. */
function cBytes(h: string): string {
  return (h.match(/../g) ?? []).map((b) => `0x${b}`).join(', ');
}

export const uprobeFamily: ProbeFamily<UprobePlacement, 'uprobe'> = {
  name: 'uprobe',
  spelling: 'uprobe, uretprobe',
  kinds: ['uprobe', 'uretprobe'],
  points: ['uprobe'],
  inTask: true,
  runtime: ['guru_uprobe.c', 'guru_uprobe.h'],
  resolve: (point, _facts, label) => resolveUprobe(point, label),
  // func_addr is a user address: the `func` builtin (a kernel symbol lookup) stays empty.
  body: () => ({ params: 'struct pt_regs *regs, unsigned long func_addr', hasRegs: true, setup: [] }),
  render: (probes, ctx) => {
    // One uprobe consumer per probed place; its hits go to the spec's probes there in spec order.
    const keys = [...new Set(probes.map((p) => `${p.path}\0${p.offset}`))];
    const places = keys.map((key, i) => {
      const on = probes.filter((p) => `${p.path}\0${p.offset}` === key);
      const first = on[0]!;
      const entryFns = on.filter((p) => p.kind === 'uprobe').map((p) => ctx.probeFn(p));
      const retFns = on.filter((p) => p.kind === 'uretprobe').map((p) => ctx.probeFn(p));
      return {
        name: `up${i}_${slug(first.func)}`,
        path: first.path,
        func: first.func,
        offset: first.offset,
        expect: cBytes(first.expect),
        entryFns,
        retFns,
      };
    });
    return {
      declarations: [{ partial: 'uprobe', include: true, places: [] }],
      definitions: [{ partial: 'uprobe', include: false, places }],
      attachSets: ['{ .ops = &guru_uprobe_ops, .defs = guru_uprobes, .n = ARRAY_SIZE(guru_uprobes) }'],
    };
  },
  where: (p) => ` on ${p.path}:${p.func} (${p.address}, file offset 0x${p.offset.toString(16)}${p.pie ? ', PIE' : ''})`,
  describe: (p: ProbeCommon & UprobePlacement) => (p.targets.length ? [`    ${p.targets.map((t) => `${t.name}: ${t.ctype}${t.writable ? ' (writable)' : ''}`).join(', ')}`] : []),
  list: (query, facts, opts) => {
    const opened = openBinary(query.path);
    if ('message' in opened) throw new UserError(opened.message, opened.hint);
    const { binary } = opened;
    if (binary.functions.size === 0) throw new UserError(`${binary.path} has no function symbols (.symtab and .dynsym are empty or stripped)`, 'probe a binary built with symbols, or a library function it calls');
    const re = globToRegExp(query.func);
    const names = [...binary.functions.keys()].filter((n) => re.test(n) && binary.functions.get(n)!.length === 1).sort();
    if (names.length === 0 && !query.func.includes('*')) {
      const fn = findFunction(binary, query.func, query.ret, query.path);
      if ('message' in fn) throw new UserError(fn.message, fn.hint);
    }
    const entries = names.map((name): ListEntry => {
      const point = spell(query.ret, query.path, name);
      if (!opts.verbose) return { point };
      const r = resolveFunction(binary, binary.functions.get(name)![0]!, query.ret, query.path, point);
      return { point, targets: r.listed, note: r.note };
    });
    return { release: facts.release, entries, sources: [`${binary.path} (ELF symbols)`] };
  },
};
