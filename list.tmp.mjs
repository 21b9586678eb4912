import { headersKernelFacts } from './dist/src/kernel/headersKernelFacts.js';
import { resolveKernelTarget } from './dist/src/kernel/kernelTarget.js';
const types = new Map();
for (const k of ['6.1.0-56-amd64', 'debian:6.12']) {
  const t = await resolveKernelTarget({ kernel: k });
  const f = headersKernelFacts(t);
  for (const s of f.syscallNames().map((n) => f.syscall(n))) for (const a of s.args) { const c = a.ctype.replace(/\s+/g,' '); if (!c.includes('*')) types.set(c, (types.get(c) ?? 0) + 1); }
}
console.log([...types.entries()].sort().map(([k,v]) => `${v}\t${k}`).join('\n'));
