// Target variables at a kprobe/kretprobe on one kernel function: the
// function's parameters by name and C type where the target's BTF is known
// ($file, $count, an `int` $return that reads -1 as -1), with `$argN`
// aliases; positional `$arg1..$arg6` as untyped registers where it is not.
// The same pass gives what `guru list -v` shows, so the two agree.
import type { UnavailableTarget } from '../expr/compileExpression.js';
import type { TargetAccess, TargetVar } from '../expr/ir.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import { ARG_REGISTERS, kernelFunctionSignature, type KernelFunctionSignature } from '../kernelFacts/kernelFunctionSignature.js';
import type { ListedTarget, ProbeScope } from './types.js';

/** C type of an untyped register value (kernel args without BTF, their $return). */
export const REGISTER_CTYPE = 'long';

export interface KernelFunctionTargetsInput {
  func: string;
  isReturn: boolean;
  /** The probe's on: text, for messages. */
  label: string;
}

export interface KernelFunctionTargets {
  /** Set when arguments are positional: why BTF gives no names. */
  positionalWhy?: string;
  /** The prototype, where BTF has it. */
  declaration?: string;
  /** For `guru list -v`, in parameter order. */
  listed: ListedTarget[];
}

/** The signature from the facts' BTF, or why there is none. */
export function lookupKernelFunction(facts: Pick<KernelFacts, 'release' | 'btf'>, func: string): { signature?: KernelFunctionSignature; why?: string } {
  const btf = facts.btf?.();
  if (!btf) {
    return { why: `argument names and types come from the kernel's BTF, and none was found for ${facts.release}` };
  }
  const found = kernelFunctionSignature(btf, func);
  return found.found ? { signature: found.signature } : { why: found.why };
}

/**
 * Fill SCOPE for an entry (kprobe at offset 0) or return (kretprobe) probe
 * on FUNC. `$return` is added for return probes only; the caller says why
 * it is missing at entry.
 */
export function addKernelFunctionTargets(
  facts: Pick<KernelFacts, 'release' | 'btf'>,
  input: KernelFunctionTargetsInput,
  scope: Pick<ProbeScope, 'targets' | 'unavailableTargets' | 'readOnly'>,
): KernelFunctionTargets {
  const { func, isReturn, label } = input;
  const { targets, unavailableTargets: unavailable } = scope;
  const access = (index: number): TargetAccess => (isReturn ? { kind: 'savedKernelArg', index } : { kind: 'kernelArg', index });
  const argument = (t: TargetVar): void => {
    targets.set(t.name, t);
    if (isReturn) scope.readOnly.set(t.name, { message: `cannot write ${t.name} at ${label}: arguments are written at function entry`, hint: 'write it in the entry probe' });
  };
  const { signature, why } = lookupKernelFunction(facts, func);
  if (!signature) {
    const listed: ListedTarget[] = [];
    for (let i = 0; i < ARG_REGISTERS.length; i++) {
      const name = `$arg${i + 1}`;
      argument({ name, ctype: REGISTER_CTYPE, access: access(i), writable: !isReturn });
      listed.push({ name, ctype: REGISTER_CTYPE, writable: !isReturn });
    }
    if (isReturn) {
      targets.set('$return', { name: '$return', ctype: REGISTER_CTYPE, access: { kind: 'returnValue' }, writable: true });
      listed.push({ name: '$return', ctype: REGISTER_CTYPE, writable: true });
    }
    return { positionalWhy: why, listed };
  }

  const listed: ListedTarget[] = [];
  const aliases: [string, TargetVar | UnavailableTarget][] = [];
  for (const a of signature.args) {
    const display = a.name ? `$${a.name}` : `$arg${a.position}`;
    const shown: ListedTarget = { name: display, ctype: a.ctype, writable: !isReturn && a.register !== undefined };
    if (a.name && a.position <= ARG_REGISTERS.length) shown.alias = `$arg${a.position}`;
    if (a.register !== undefined) {
      const t: TargetVar = { name: display, ctype: a.ctype, registerCType: a.registerCType, access: access(a.register), writable: !isReturn, typeInfo: { typeId: a.typeId, space: 'kernel' } };
      argument(t);
      aliases.push([`$arg${a.position}`, { ...t, name: `$arg${a.position}` }]);
    } else {
      const u: UnavailableTarget = {
        message: `${display} (${a.ctype}, argument ${a.position} of ${func}) cannot be read at ${label}: ${a.unavailable}`,
        hint: 'read what it points to or holds in a function it is passed on to, or use a statement: probe (debug info)',
      };
      unavailable.set(display, u);
      aliases.push([`$arg${a.position}`, u]);
      shown.unavailable = a.unavailable;
    }
    listed.push(shown);
  }
  // Positional aliases never shadow a parameter that happens to be called argN.
  for (const [name, v] of aliases) {
    if (targets.has(name) || unavailable.has(name)) continue;
    if ('access' in v) argument(v);
    else unavailable.set(name, v);
  }
  const arity = signature.args.length;
  for (let i = arity + 1; i <= ARG_REGISTERS.length; i++) {
    const name = `$arg${i}`;
    if (targets.has(name) || unavailable.has(name)) continue;
    unavailable.set(name, {
      message: `${func} takes ${arity === 0 ? 'no arguments' : arity === 1 ? 'one argument' : `${arity} arguments`}${signature.variadic ? ' and a variable list' : ''}: there is no ${name}`,
      hint: `its prototype: ${signature.declaration}`,
    });
  }

  if (isReturn) {
    const r = signature.returns;
    if (r.registerCType) {
      targets.set('$return', { name: '$return', ctype: r.ctype, registerCType: r.registerCType, access: { kind: 'returnValue' }, writable: true, typeInfo: r.typeId === undefined ? undefined : { typeId: r.typeId, space: 'kernel' } });
      listed.push({ name: '$return', ctype: r.ctype, writable: true });
    } else {
      unavailable.set('$return', { message: `$return cannot be used at ${label}: ${r.unavailable}`, hint: `its prototype: ${signature.declaration}` });
      listed.push({ name: '$return', ctype: r.ctype, writable: false, unavailable: r.unavailable });
    }
  }
  return { declaration: signature.declaration, listed };
}
