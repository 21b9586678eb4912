// Functions of loadable modules, compiler clones and SystemTap's file
// qualifier, resolved against the stored Debian 6.1 kernel's own files: its
// module .ko files (symbols, split BTF over vmlinux's), System.map and
// DWARF. readelf is the oracle for what a .ko defines. The VM test is
// test/runtime/moduleFunctions.test.ts.
import { execa } from 'execa';
import path from 'node:path';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { parseSpec } from '../../src/parseSpec.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { storedKernelTarget } from '../../src/kernelFacts/kernelTarget.js';
import type { KernelFacts } from '../../src/kernelFacts/kernelFacts.js';
import { describePlan } from '../../src/plan/describePlan.js';
import { listProbePoints } from '../../src/list/listProbePoints.js';
import { parseListPattern } from '../../src/list/listPattern.js';
import { renderModule } from '../../src/render/renderModule.js';
import { manifestOf } from '../../src/render/manifest.js';
import { debianKernel } from '../helpers/guest.js';
import { refusalText } from '../helpers/specRefusal.js';

let facts: KernelFacts;
beforeAll(async () => {
  facts = headersKernelFacts(storedKernelTarget(await debianKernel()));
}, 600_000);

const specWith = (...probes: string[]) =>
  parseSpec('mod.yaml', `guru: 1\nname: mod\nprobes:\n${probes.map((p) => `  - ${p}\n`).join('')}`);

/** The FUNC symbols a .ko defines, by readelf. */
async function readelfFunctions(ko: string): Promise<Set<string>> {
  const { stdout } = await execa('readelf', ['-sW', ko]);
  return new Set(stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[3] === 'FUNC' && w[6] !== 'UND').map((w) => w[7]!));
}

test('module("af_alg").function(...), kprobe:af_alg:..., and the bare name: one function of af_alg, typed from its BTF', async () => {
  const modules = facts.modules!()!;
  const ko = path.join(modules.dir, 'kernel/crypto/af_alg.ko');
  expect((await readelfFunctions(ko)).has('af_alg_sendmsg')).toBe(true);
  expect(facts.functionSymbols()!.has('af_alg_sendmsg')).toBe(false);

  const plan = buildPlan(
    specWith(
      `on: module("af_alg").function("af_alg_sendmsg")\n    do: [ '$size = 1' ]`,
      `on: kprobe:af_alg:af_alg_sendmsg\n    do: [ 'log("%d %u", $size, $ivsize)' ]`,
      // A member of a struct the module's BTF types: $sock is struct socket * (a vmlinux type) in af_alg's split BTF.
      `on: kretprobe:af_alg_sendmsg\n    do: [ 'log("%d %d", $return, $sock->state)' ]`,
    ),
    facts,
  );
  expect(plan.probes.map((p) => ('module' in p ? `${p.module}:${p.symbol}` : '?'))).toEqual(['af_alg:af_alg_sendmsg', 'af_alg:af_alg_sendmsg', 'af_alg:af_alg_sendmsg']);
  expect(plan.probes[0]!.targets.map((t) => `${t.name}: ${t.ctype}`)).toEqual(expect.arrayContaining(['$sock: struct socket *', '$size: size_t', '$ivsize: unsigned int']));
  expect(plan.probes[2]!.targets.find((t) => t.name === '$return')?.ctype).toBe('int');
  const text = describePlan(plan);
  expect(text).toContain('note: af_alg_sendmsg is a function of the module af_alg (probed as af_alg:af_alg_sendmsg; it must be loaded: modprobe af_alg)');

  // kallsyms takes MODULE:SYMBOL: the kprobes look the function up in af_alg only.
  const c = renderModule(plan).files['probes.c']!;
  expect(c.match(/\.symbol_name = "af_alg:af_alg_sendmsg"/g)).toHaveLength(2);
  expect(manifestOf(plan).probes.map((p) => p.module)).toEqual(['af_alg', 'af_alg', 'af_alg']);
});

test('a bare name that several modules define is refused, naming them (readelf agrees)', async () => {
  const modules = facts.modules!()!;
  const symbols = facts.functionSymbols()!;
  const [name, defining] = [...modules.functionIndex()].find(([n, ms]) => ms.length === 2 && !symbols.has(n) && /^[a-z][a-z0-9_]{8,}$/.test(n))!;
  const deps = new Map((await execa('cat', [path.join(modules.dir, 'modules.dep')])).stdout.split('\n').map((l) => [path.basename(l.slice(0, l.indexOf(':'))).replace(/\.ko$/, '').replace(/-/g, '_'), l.slice(0, l.indexOf(':'))]));
  for (const m of defining) expect((await readelfFunctions(path.join(modules.dir, deps.get(m)!))).has(name)).toBe(true);
  const text = refusalText(() => buildPlan(specWith(`on: kprobe:${name}`), facts));
  expect(text).toContain(`${name} is a function of 2 modules of ${facts.release}: ${defining.join(', ')}`);
  expect(text).toContain(`hint: name the module: kprobe:${defining[0]}:${name}`);
});

test("kretprobe:af_alg:af_alg_send*: a wildcard over the module's functions, each match typed from its BTF", () => {
  const plan = buildPlan(specWith(`on: kretprobe:af_alg:af_alg_send*\n    do: [ 'log("%s %d %d", func, $return, $sock->type)' ]`), facts);
  const p = plan.probes[0]!;
  expect('symbols' in p && p.symbols).toEqual(['af_alg_sendmsg', 'af_alg_sendpage']);
  // sendmsg returns int, sendpage ssize_t: each its own.
  expect(p.variants!.map((v) => `${v.label}: ${v.targets.find((t) => t.name === '$return')?.ctype}`)).toEqual(['af_alg_sendmsg: int', 'af_alg_sendpage: ssize_t']);
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain('.symbol_name = "af_alg:af_alg_sendmsg"');
  expect(c).toContain('.symbol_name = "af_alg:af_alg_sendpage"');
});

test('refusals: no such module (with the nearest), no such function in it, a wildcard that matches none of it', () => {
  // The release is the stored kernel's (Debian's newest 6.1 build), not part of the message's shape.
  const refusal = (on: string) => refusalText(() => buildPlan(specWith(`on: ${on}`), facts)).replaceAll(facts.release, 'RELEASE');
  expect(refusal('kprobe:af_alx:af_alg_sendmsg')).toMatchSnapshot();
  expect(refusal('kprobe:af_alg:af_alg_sendmsgs')).toMatchSnapshot();
  expect(refusal('kprobe:af_alg:vfs_*')).toMatchSnapshot();
});

test('copy_strings is copy_strings.isra.0 in 6.1: probed, positional, and said so; FUNC@FILE finds it through DWARF', () => {
  const symbols = facts.functionSymbols()!;
  expect(symbols.has('copy_strings')).toBe(false);
  expect(symbols.has('copy_strings.isra.0')).toBe(true);
  const plan = buildPlan(specWith(`on: kprobe:copy_strings\n    do: [ 'log("%d", $arg1)' ]`, `on: kernel.function("copy_strings@fs/exec.c")\n    do: [ 'log("%d", $arg1)' ]`), facts);
  expect(plan.probes.map((p) => ('symbol' in p ? p.symbol : '?'))).toEqual(['copy_strings.isra.0', 'copy_strings.isra.0']);
  const text = describePlan(plan);
  expect(text).toContain(`note: probes copy_strings.isra.0: ${facts.release} has copy_strings only as this compiler clone`);
  expect(text).toContain('note: probes copy_strings.isra.0: the body of copy_strings@fs/exec.c');
  // The clone's parameters are the compiler's: no BTF name is offered.
  expect(refusalText(() => buildPlan(specWith(`on: kprobe:copy_strings\n    do: [ 'log("%d", $argc)' ]`), facts))).toContain('arguments are positional here: copy_strings exists only as copy_strings.isra.0');
});

test('FUNC@FILE: the file must define it (DWARF); a function of another file says where it is', () => {
  const plan = buildPlan(specWith(`on: kernel.function("vfs_read@fs/read_write.c")\n    do: [ 'log("%d", $count)' ]`), facts);
  expect('symbol' in plan.probes[0]! && plan.probes[0].symbol).toBe('vfs_read');
  expect(plan.probes[0]!.targets.find((t) => t.name === '$count')?.ctype).toBe('size_t');
  const text = refusalText(() => buildPlan(specWith('on: kernel.function("vfs_read@fs/open.c")'), facts));
  expect(text).toContain(`${facts.release} has no function vfs_read defined in fs/open.c`);
  expect(text).toMatch(/hint: vfs_read is defined in \S*fs\/read_write\.c/);
});

test("guru list -v kprobe:af_alg:af_alg_send*: the module's functions, typed from its BTF", () => {
  const r = listProbePoints(parseListPattern('kprobe:af_alg:af_alg_send*'), facts, { verbose: true });
  expect(r.entries.map((e) => e.point)).toEqual(['kprobe:af_alg:af_alg_sendmsg', 'kprobe:af_alg:af_alg_sendpage']);
  expect(r.entries[0]!.declaration).toBe('int af_alg_sendmsg(struct socket *sock, struct msghdr *msg, size_t size, unsigned int ivsize)');
});

test('kernel.function("FUNC@FILE") of a module: the module whose directory holds FILE; module("M").function("F@FILE") says what was checked', () => {
  const plan = buildPlan(
    specWith(
      `on: kernel.function("af_alg_sendmsg@crypto/af_alg.c")\n    do: [ '$size = 1' ]`,
      `on: module("xfs").function("xfs_file_remap_range@fs/xfs/xfs_file.c").return\n    do: [ 'log("%d", $return)' ]`,
    ),
    facts,
  );
  expect(plan.probes.map((p) => ('module' in p ? `${p.module}:${p.symbol}` : '?'))).toEqual(['af_alg:af_alg_sendmsg', 'xfs:xfs_file_remap_range']);
  // Typed from the module's BTF, writable: a named probe.
  expect(plan.probes[0]!.targets.find((t) => t.name === '$size')).toMatchObject({ ctype: 'size_t', writable: true });
  const text = describePlan(plan);
  expect(text).toContain('note: af_alg_sendmsg is a function of the module af_alg (probed as af_alg:af_alg_sendmsg');
  expect(text).toContain("note: af_alg_sendmsg@crypto/af_alg.c: af_alg is built in crypto; the file itself is not checked (a module's debug info is not in guru's kernel store)");
  expect(text).toContain('note: xfs_file_remap_range@fs/xfs/xfs_file.c: xfs is built in fs/xfs; the file itself is not checked');
  expect(manifestOf(plan).probes.map((p) => p.module)).toEqual(['af_alg', 'xfs']);
  // A file outside the module's directory is refused for a bare name (it names no module's function there) ...
  const refused = refusalText(() => buildPlan(specWith('on: kernel.function("af_alg_sendmsg@fs/open.c")'), facts));
  expect(refused).toContain(`af_alg_sendmsg is not a function of fs/open.c on ${facts.release}: it is defined by the module af_alg (crypto)`);
  expect(refused).toContain('hint: write kprobe:af_alg:af_alg_sendmsg, or the file of that directory');
  // ... and said for a named module (amdgpu-like modules build files of other directories).
  const named = describePlan(buildPlan(specWith('on: module("af_alg").function("af_alg_sendmsg@net/socket.c")'), facts));
  expect(named).toContain('af_alg is built in crypto, and net/socket.c is not there');
  // vmlinux's FUNC@FILE still goes through DWARF.
  expect(refusalText(() => buildPlan(specWith('on: kernel.function("vfs_read@fs/open.c")'), facts))).toContain(`${facts.release} has no function vfs_read defined in fs/open.c`);
});

test('kprobe:*:FUNC and kprobe:xfs*:xfs_file_*: a wildcard over modules, each match MODULE:FUNC typed from its BTF, read-only', () => {
  const modules = facts.modules!()!;
  const plan = buildPlan(
    specWith(
      `on: kprobe:*:af_alg_sendmsg\n    do: [ 'log("%s %d", func, $size)' ]`,
      `on: kretprobe:xfs*:xfs_file_*\n    do: [ 'log("%s %d", func, $return)' ]`,
      `on: module("af_*").function("af_alg_sendmsg")\n    do: [ 'log("again %d", $size)' ]`,
    ),
    facts,
  );
  const [one, xfs, stap] = plan.probes;
  expect('symbols' in one! && one.symbols).toEqual(['af_alg:af_alg_sendmsg']);
  expect(one!.variants![0]!.targets.find((t) => t.name === '$size')).toMatchObject({ ctype: 'size_t', writable: false });
  // The oracle: the index of every module's functions (readelf agrees with it, above).
  const expected = [...modules.functionIndex()].filter(([fn, ms]) => /^xfs_file_/.test(fn) && !fn.includes('.') && ms.includes('xfs')).map(([fn]) => `xfs:${fn}`).sort();
  expect(expected.length).toBeGreaterThan(5);
  expect('symbols' in xfs! && xfs.symbols).toEqual(expected);
  expect(xfs!.variants!.find((v) => v.label === 'xfs:xfs_file_remap_range')!.targets.find((t) => t.name === '$return')?.ctype).toBe('loff_t');
  expect('symbols' in stap! && stap.symbols).toEqual(['af_alg:af_alg_sendmsg']);
  const c = renderModule(plan).files['probes.c']!;
  expect(c).toContain('.symbol_name = "xfs:xfs_file_remap_range"');
  // Both af_alg_sendmsg probes share one kprobe, run in spec order.
  expect(c.match(/\.symbol_name = "af_alg:af_alg_sendmsg"/g)).toHaveLength(1);
  expect(refusalText(() => buildPlan(specWith(`on: kprobe:*:af_alg_sendmsg\n    do: [ '$size = 1' ]`), facts))).toContain('writes are refused on wildcard probes');
  const vmlinux = refusalText(() => buildPlan(specWith('on: kprobe:*:vfs_read'), facts));
  expect(vmlinux).toContain('kprobe:*:vfs_read matches no function of the loadable modules matching *');
  expect(vmlinux).toContain('hint: vfs_read is a function of the kernel itself: write kprobe:vfs_read');
  expect(refusalText(() => buildPlan(specWith('on: kprobe:nosuch*:f'), facts))).toContain(`${facts.release} has no loadable module matching nosuch*`);
  // guru list lists the same matches.
  const r = listProbePoints(parseListPattern('kretprobe:xfs*:xfs_file_*'), facts, { verbose: false });
  expect(r.entries.map((e) => e.point)).toEqual(expected.map((s) => `kretprobe:${s}`));
});
