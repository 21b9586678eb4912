// The human-readable plan that `guru check` prints.
import { familyOf } from '../probeFamilies/registry.js';
import type { Plan } from './types.js';

export function describePlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`${plan.module}: ${plan.probes.length} probe${plan.probes.length === 1 ? '' : 's'} for ${plan.kernel.release}`);
  if (plan.description) out.push(`  ${plan.description}`);
  for (const v of plan.vars) out.push(`  var ${v.name}: ${v.type}, ${v.scope}`);
  for (const p of plan.params) out.push(`  param ${p.name} = ${p.initial}`);
  for (const p of plan.probes) {
    const family = familyOf(p);
    out.push(`  probe ${p.id} ${p.canonical} (line ${p.line})${family.where(p)}${p.writes ? ', writes' : ''}`);
    if (family.describe) out.push(...family.describe(p));
    else if (p.targets.length) out.push(`    ${p.targets.map((t) => `${t.name}: ${t.ctype}${t.writable ? ' (writable)' : ''}`).join(', ')}`);
    const guard = [
      p.guard.uid && `uid ${p.guard.uid.join('|')}`,
      p.guard.pid && `pid ${p.guard.pid.join('|')}`,
      p.guard.comm && `comm ${p.guard.comm.join('|')}`,
      p.condText && `if: ${p.condText}`,
    ].filter(Boolean);
    if (guard.length) out.push(`    guard: ${guard.join(', ')}`);
    out.push(`    ${p.actions.length} action${p.actions.length === 1 ? '' : 's'}`);
  }
  return out.join('\n') + '\n';
}
