// The syscall family: `syscall:NAME` and `syscall:NAME:return` (SystemTap
// `syscall.NAME[.return]`). Arguments by name from include/linux/syscalls.h,
// read from (and written into) the caller's saved registers. All probes on
// one syscall share one kprobe (entry probes only) or kretprobe on its
// pt_regs wrapper (templates/partials/syscall.hbs), which runs the handlers
// in spec order; a rewritten argument goes into a copy of the caller's
// registers that only the kernel reads, so user space never sees it.
import { nearestName } from '../diagnostics/nearestName.js';
import { EnvironmentError, UserError } from '../errors.js';
import type { UnavailableTarget } from '../expr/compileExpression.js';
import type { TargetVar } from '../expr/ir.js';
import { ARG_REGISTERS } from '../kernelFacts/kernelFunctionSignature.js';
import type { SyscallPrototype } from '../kernelFacts/kernelFacts.js';
import { syscallArgRegisterType, syscallArgTypeInfo } from '../kernelFacts/syscallArgRegisterType.js';
import { globToRegExp } from './kprobeFunctions.js';
import { syscallSpelling, type SyscallPoint } from './syscallSpelling.js';
import type { ListedTarget, ListEntry, ProbeFamily, ProbeScope, Resolution, SharedCall } from './types.js';

export interface SyscallPlacement {
  kind: 'syscall' | 'syscall-return';
  /** The pt_regs wrapper the kretprobe sits on (`__x64_sys_write`). */
  symbol: string;
  /** The syscall's name (`write`). */
  syscall: string;
}

/** `long sys_chmod(const char __user *filename, umode_t mode)` */
function declarationOf(sc: SyscallPrototype): string {
  return `long sys_${sc.name}(${sc.args.length ? sc.args.map((a) => `${a.ctype}${a.ctype.endsWith('*') ? '' : ' '}${a.name}`).join(', ') : 'void'})`;
}

function resolveSyscall(sc: SyscallPrototype, ret: boolean, label: string): Resolution<SyscallPlacement> {
  const scope: ProbeScope = { targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map() };
  const listed: ListedTarget[] = [];
  const entryLabel = `syscall:${sc.name}`;
  sc.args.slice(0, ARG_REGISTERS.length).forEach((a, i) => {
    const registerCType = syscallArgRegisterType(a.ctype);
    const shown: ListedTarget = { name: `$${a.name}`, ctype: a.ctype, alias: `$arg${i + 1}`, writable: !ret && registerCType !== undefined };
    listed.push(shown);
    if (!registerCType) {
      const u: UnavailableTarget = {
        message: `$${a.name} (${a.ctype}, argument ${i + 1} of ${sc.name}) cannot be read at ${label}: guru does not know how wide ${a.ctype} is`,
        hint: 'this is a guru gap: please report it with the syscall; the table is src/kernelFacts/syscallArgRegisterType.ts',
      };
      scope.unavailableTargets.set(`$${a.name}`, u);
      scope.unavailableTargets.set(`$arg${i + 1}`, u);
      shown.unavailable = `guru does not know how wide ${a.ctype} is`;
      return;
    }
    const t: TargetVar = { name: `$${a.name}`, ctype: a.ctype, registerCType, access: { kind: 'syscallArg', index: i }, writable: !ret, typeInfo: syscallArgTypeInfo(a.ctype) };
    for (const name of [t.name, `$arg${i + 1}`]) {
      scope.targets.set(name, { ...t, name });
      if (ret) scope.readOnly.set(name, { message: `cannot write ${name} in a return probe: the syscall has already used it`, hint: `write it at entry: ${entryLabel}` });
    }
  });
  if (ret) {
    scope.targets.set('$return', { name: '$return', ctype: 'long', registerCType: 's64', access: { kind: 'returnValue' }, writable: true });
    listed.push({ name: '$return', ctype: 'long', writable: true });
  } else {
    scope.unavailableTargets.set('$return', { message: `$return is only available in return probes, not at ${label}`, hint: `use ${entryLabel}:return` });
  }
  return { ...scope, placement: { kind: ret ? 'syscall-return' : 'syscall', symbol: sc.symbol, syscall: sc.name }, declaration: declarationOf(sc), listed };
}

export const syscallFamily: ProbeFamily<SyscallPlacement, SyscallPoint> = {
  name: 'syscall',
  spellings: syscallSpelling,
  spelling: 'syscall, syscall:...:return',
  kinds: ['syscall', 'syscall-return'],
  points: ['syscall'],
  context: 'task',
  resolve: (point, facts, label) => {
    const sc = facts.syscall(point.name);
    if (!sc) {
      const near = nearestName(point.name, facts.syscallNames());
      return { message: `unknown syscall ${point.name} on ${facts.release} (x86_64)`, hint: near ? `did you mean syscall:${near}${point.ret ? ':return' : ''}?` : 'guru list \'syscall:*\' shows them all' };
    }
    return resolveSyscall(sc, point.ret, label);
  },
  // The arguments have names here (and $arg1 ... $arg6).
  rawArgs: () => 'named',
  // Entry probes run at the wrapper's entry (a kprobe, or a kretprobe's entry handler, which runs before the return address is replaced): the word at sp returns into the kernel's syscall dispatch.
  callerAt: (p) =>
    p.kind === 'syscall'
      ? { space: 'kernel' }
      : { message: `at a return the wrapper's frame is gone: the stack pointer is past its return address, which the kernel replaced with its kretprobe trampoline`, hint: `read it at syscall:${p.syscall}, the entry (and keep it in a thread var for the return)` },
  body: () => ({
    params: 'struct pt_regs *regs, struct guru_sys_call *sys, unsigned long func_addr',
    hasRegs: true,
    setup: ['ctx->sys_regs = sys->sys_regs;', 'ctx->sys_call = sys;', 'ctx->func_addr = func_addr;'],
  }),
  // A syscall with return probes gets a kretprobe, whose per-call data holds
  // a rewrite's copy of the registers; one with entry probes only a kprobe
  // (nothing to pay on a guard miss), the copy then being the task's own
  // (struct guru_sys_call in kmod/guru_runtime.h).
  // A syscall with entry probes only is a kprobe on its wrapper, which shares
  // the wrapper's entry with kprobe:__x64_sys_NAME (src/render/sharedKprobes.ts).
  // One with return probes runs its entry probes in a kretprobe's entry: not a place here.
  kprobePlaces: (probes) => probes.flatMap((p) =>
    p.kind === 'syscall' && !probes.some((q) => q.syscall === p.syscall && q.kind === 'syscall-return')
      ? [{ symbol: p.symbol, offset: 0, probe: p.id, group: `syscall ${p.syscall}` }]
      : []),
  render: (probes, ctx) => {
    const sharedCalls: SharedCall[] = [];
    const sharedLinks = new Map<number, string[]>();
    let sharedCopies = false;
    const names = [...new Set(probes.map((p) => p.syscall))].filter((name) => {
      const members = probes.filter((p) => p.syscall === name);
      const at = members.some((p) => p.kind === 'syscall-return') ? undefined : ctx.sharedKprobe?.(members[0]!.symbol, 0);
      if (!at) return true;
      for (const p of members) {
        sharedCalls.push({ kprobe: at, probe: p.id, locals: ['struct guru_sys_call call;'], setup: ['guru_sys_begin(&call, regs, NULL);'], call: `${ctx.probeFn(p)}(regs, &call, addr);` });
        sharedLinks.set(p.id, [`.kp = &${at}`]);
      }
      sharedCopies ||= members.some((p) => p.actions.some((a) => a.k === 'setTarget'));
      return false;
    });
    const definitions = names.map((name) => {
      const members = probes.filter((p) => p.syscall === name);
      const entries = members.filter((p) => p.kind === 'syscall');
      const returns = members.filter((p) => p.kind === 'syscall-return');
      return {
        partial: 'syscall',
        name: `sys_${name}_${returns.length ? 'krp' : 'kp'}`,
        syscall: name,
        symbol: members[0]!.symbol,
        entryProbes: entries.map((p) => ctx.probeFn(p)),
        returnProbes: returns.map((p) => ctx.probeFn(p)),
        copies: entries.some((p) => p.actions.some((a) => a.k === 'setTarget')),
        // For the entry of a kretprobe: which probes may want the call (their where: guards).
        probeViews: members.map((p) => ({ fn: ctx.probeFn(p), id: p.id })),
        // The guard asked at the call's entry: each distinct where: once.
        wantViews: members.filter((p, i) => members.findIndex((q) => JSON.stringify(q.guard) === JSON.stringify(p.guard)) === i).map((p) => ({ fn: ctx.probeFn(p) })),
        returnProbeViews: returns.map((p) => ({ fn: ctx.probeFn(p), id: p.id })),
        probes: members.map((p) => p.id),
      };
    });
    const links = new Map<number, string[]>(sharedLinks);
    for (const d of definitions) for (const id of d.probes) links.set(id, [`${d.returnProbes.length ? '.krp' : '.kp'} = &${d.name}`]);
    return {
      definitions,
      kretprobes: definitions.filter((d) => d.returnProbes.length).map((d) => d.name),
      kprobes: definitions.filter((d) => !d.returnProbes.length).map((d) => d.name),
      links,
      moduleFields: sharedCopies || definitions.some((d) => d.copies && !d.returnProbes.length) ? ['.syscall_copies = true'] : [],
      sharedCalls,
    };
  },
  where: (p) => ` on ${p.symbol}`,
  list: (query, facts, opts) => {
    if (!('syscall' in facts)) throw new EnvironmentError(`syscall prototypes of ${facts.release} come from its headers, and none were found`, `install them: apt-get install linux-headers-${facts.release}`);
    const re = globToRegExp(query.name);
    const names = facts.syscallNames().filter((n) => re.test(n));
    if (names.length === 0 && !query.name.includes('*')) {
      const near = nearestName(query.name, facts.syscallNames());
      throw new UserError(`unknown syscall ${query.name} on ${facts.release} (x86_64)`, near ? `did you mean syscall:${near}?` : "guru list 'syscall:*' shows them all");
    }
    const entries = names.map((name): ListEntry => {
      const point = `syscall:${name}${query.ret ? ':return' : ''}`;
      if (!opts.verbose) return { point };
      const r = resolveSyscall(facts.syscall(name)!, query.ret, point);
      return { point, declaration: r.declaration, targets: r.listed };
    });
    return { release: facts.release, entries, sources: ['syscall table and include/linux/syscalls.h'] };
  },
};
