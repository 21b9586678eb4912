// Typed kprobe arguments build cleanly against the Debian 6.1 headers: a
// sweep over a deterministic sample of the kernel's own functions (BTF of
// the stored image), each probed at entry (every readable argument logged,
// the first writable one written back) and at return ($return logged and
// written back), in one module, with no compiler warning. BTF types such as
// `blk_opf_t` or `struct folio *` never reach the C as casts: registers go
// through fixed-width integers.
import fs from 'node:fs';
import { buildModules } from '../../src/kbuild/kbuild.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { kernelFunctionSignature, type KernelFunctionSignature } from '../../src/kernelFacts/kernelFunctionSignature.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { renderModule } from '../../src/render/renderModule.js';
import { parseSpec } from '../../src/parseSpec.js';
import { usePrivateBuildCache } from '../helpers/privateBuildCache.js';

/** Functions in the sample; every one is a kprobe and a kretprobe. */
const SAMPLE = 120;
/** Always in: the functions the examples and docs use. */
const NAMED = ['ksys_write', 'vfs_write', 'cap_ptrace_access_check', 'inode_permission', 'do_sys_openat2'];

const env = usePrivateBuildCache();

function probesFor(sig: KernelFunctionSignature): string[] {
  const readable = sig.args.filter((a) => a.register !== undefined).map((a) => (a.name ? `$${a.name}` : `$arg${a.position}`));
  const out: string[] = [];
  const entry = readable.slice(0, 15);
  const entryDo = [
    ...(entry.length ? [`log("${sig.name}${' %d'.repeat(entry.length)}", ${entry.join(', ')})`] : []),
    ...(readable.length ? [`${readable[0]} = ${readable[0]}`] : []),
  ];
  if (entryDo.length) out.push(`  - on: kprobe:${sig.name}\n    do:\n${entryDo.map((d) => `      - '${d}'`).join('\n')}`);
  if (sig.returns.registerCType) {
    out.push(`  - on: kretprobe:${sig.name}\n    do:\n      - 'log("${sig.name} -> %d", $return)'\n      - '$return = $return'`);
  }
  return out;
}

test('a sample of kernel functions with typed arguments builds without warnings', async () => {
  const { target } = env;
  if (!target.btf) throw new Error(`no BTF found for ${target.release}; fix: node bin/guru.js kernel add debian:6.1 (its image carries .BTF)`);
  const facts = headersKernelFacts(target);
  const btf = facts.btf!()!;
  const symbols = facts.functionSymbols();
  if (!symbols) throw new Error(`no System.map for ${target.release}; fix: node bin/guru.js kernel add debian:6.1`);
  const candidates = [...symbols]
    .filter((s) => /^[a-z_][a-z0-9_]*$/.test(s) && !s.startsWith('__pfx_'))
    .sort()
    .map((s) => kernelFunctionSignature(btf, s))
    .flatMap((r) => (r.found && r.signature.args.length > 0 ? [r.signature] : []));
  const step = Math.floor(candidates.length / SAMPLE);
  const sample = new Map<string, KernelFunctionSignature>();
  for (const name of NAMED) {
    const r = kernelFunctionSignature(btf, name);
    if (!r.found) throw new Error(`${name}: ${r.why}`);
    sample.set(name, r.signature);
  }
  for (let i = 0; sample.size < SAMPLE + NAMED.length && i < candidates.length; i += step) sample.set(candidates[i]!.name, candidates[i]!);

  // The sample covers what the C conversions must handle.
  const types = new Set([...sample.values()].flatMap((s) => [...s.args.map((a) => a.registerCType ?? 'unavailable'), s.returns.registerCType ?? 'none']));
  for (const t of ['u8', 'u32', 's32', 'u64', 's64', 'unsigned long']) expect(types).toContain(t);

  const text = `guru: 1\nname: typed_sweep\nprobes:\n${[...sample.values()].flatMap(probesFor).join('\n')}\n`;
  const plan = buildPlan(parseSpec('typed-sweep.yaml', text), facts);
  expect(plan.probes.length).toBeGreaterThan(SAMPLE);
  const { koPaths, log } = await buildModules([renderModule(plan)], target);
  expect(log.split('\n').filter((l) => /warning:|error:/i.test(l))).toEqual([]);
  expect(fs.statSync(koPaths[0]!).size).toBeGreaterThan(0);
}, 300_000);
