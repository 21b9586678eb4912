// A statement probe as `guru check` and `guru list -v` print it.
import type { TargetVar } from '../../expr/ir.js';
import { describeLocalLocation, formatRegsAddress } from '../../expr/localAccess.js';
import type { LocalMemory } from './localAccessors.js';
import type { PlanStatement } from './types.js';

/**
 * Each address (as symbol+offset, the way the kernel places it), then each
 * variable with where it lives at every address.
 */
export function describeStatement(st: PlanStatement, targets: readonly TargetVar[], memory: LocalMemory): string[] {
  const out: string[] = [];
  out.push(`    ${st.sites.length} address${st.sites.length === 1 ? '' : 'es'} (from ${st.debuginfo.path}${st.debuginfo.buildId ? `, build-id ${st.debuginfo.buildId}` : ''}):`);
  st.sites.forEach((s, i) => {
    const inl = s.inlined ? `, inlined ${s.function}` : '';
    out.push(`      ${i}: ${s.symbol}+0x${s.offset.toString(16)} (${s.address}) ${s.file.split('/').slice(-2).join('/')}:${s.line}${inl}${s.cfa ? `, CFA ${formatRegsAddress(s.cfa)}` : ''}`);
  });
  for (const t of targets) {
    if (t.access.kind !== 'local') continue;
    out.push(`    ${t.name}: ${t.access.declaredType}${t.access.declaredIn !== st.func ? ` (of ${t.access.declaredIn})` : ''}${t.writable ? ' (writable)' : ''}`);
    t.access.sites.forEach((s, i) => out.push(`      ${i}: ${describeLocalLocation(s.where, memory)}${s.dwarf ? `  [${s.dwarf}]` : ''}`));
  }
  for (const u of st.unreadable) out.push(`    ${u.name}: not usable: ${u.why.replace(/^\$\w+ cannot be read /, '')}`);
  return out;
}
