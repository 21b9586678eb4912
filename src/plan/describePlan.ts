// The human-readable plan that `guru check` prints.
import { describeLocalLocation, formatRegsAddress } from '../expr/localAccess.js';
import type { TargetVar } from '../expr/ir.js';
import type { Plan, PlanStatement } from './types.js';

export function describePlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`${plan.module}: ${plan.probes.length} probe${plan.probes.length === 1 ? '' : 's'} for ${plan.kernel.release}`);
  if (plan.description) out.push(`  ${plan.description}`);
  for (const v of plan.vars) out.push(`  var ${v.name}: ${v.type}, ${v.scope}`);
  for (const p of plan.params) out.push(`  param ${p.name} = ${p.initial}`);
  for (const p of plan.probes) {
    const where = p.symbol ? ` on ${p.symbol}${p.offset ? `+0x${p.offset.toString(16)}` : ''}` : '';
    out.push(`  probe ${p.id} ${p.canonical} (line ${p.line})${where}${p.writes ? ', writes' : ''}`);
    if (p.statement) out.push(...describeStatement(p.statement, p.targets));
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

/**
 * A statement probe: each address (as symbol+offset, the way the kernel
 * places it), then each variable with where it lives at every address.
 */
export function describeStatement(st: PlanStatement, targets: readonly TargetVar[]): string[] {
  const out: string[] = [];
  out.push(`    ${st.sites.length} address${st.sites.length === 1 ? '' : 'es'} (from ${st.debuginfo.path}${st.debuginfo.buildId ? `, build-id ${st.debuginfo.buildId}` : ''}):`);
  st.sites.forEach((s, i) => {
    const inl = s.inlined ? `, inlined ${s.function}` : '';
    out.push(`      ${i}: ${s.symbol}+0x${s.offset.toString(16)} (${s.address}) ${s.file.split('/').slice(-2).join('/')}:${s.line}${inl}${s.cfa ? `, CFA ${formatRegsAddress(s.cfa)}` : ''}`);
  });
  for (const t of targets) {
    if (t.access.kind !== 'local') continue;
    out.push(`    ${t.name}: ${t.access.declaredType}${t.access.declaredIn !== st.func ? ` (of ${t.access.declaredIn})` : ''}${t.writable ? ' (writable)' : ''}`);
    t.access.sites.forEach((s, i) => out.push(`      ${i}: ${describeLocalLocation(s.where)}${s.dwarf ? `  [${s.dwarf}]` : ''}`));
  }
  for (const u of st.unreadable) out.push(`    ${u.name}: not usable: ${u.why.replace(/^\$\w+ cannot be read /, '')}`);
  return out;
}
