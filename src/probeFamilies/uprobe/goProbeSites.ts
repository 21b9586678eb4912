// The uprobe sites of functions of a Go binary (UserBinary.go): for a
// return probe, one plain uprobe on each ret instruction of the function,
// never a uretprobe (Go's runtime dies on the return address a uretprobe
// plants: goSites.ts says why); for an entry probe, the function's entry
// past its stack-check prologue. The code comes from objdump
// (src/debuginfo/disassemble.ts), one run for all the functions asked.
import { disassembleRange, type Instruction } from '../../debuginfo/disassemble.js';
import type { ResolveError } from '../types.js';
import { goEntrySite, goReturnSites } from './goSites.js';
import type { UprobeSite } from './types.js';
import type { UserBinary, UserFunction } from './userFunctions.js';
import { EXPECT_BYTES } from './userStatement.js';

/** What every refusal of a Go return probe says to do instead. */
const RETURN_HINT =
  'guru never puts a uretprobe on a Go function (it replaces the return address, and Go\'s runtime dies on it at the next stack growth, GC or panic); probe its entry (uprobe:PATH:FUNC), or the return of a Go function that calls it';

/** Each function's sites, or why it cannot be probed that way (message and hint, as a ResolveError). */
export type GoSiteResult = { sites: UprobeSite[] } | ResolveError;

function siteAt(binary: UserBinary, fn: UserFunction, address: bigint, go?: UprobeSite['go']): UprobeSite | undefined {
  const offset = binary.fileOffset(address);
  if (offset === undefined) return undefined;
  return { func: fn.name, address: `0x${address.toString(16)}`, offset, expect: binary.bytesAt(offset, EXPECT_BYTES).toString('hex'), ...(go ? { go } : {}) };
}

function sitesOf(binary: UserBinary, fn: UserFunction, ret: boolean, code: readonly Instruction[]): GoSiteResult {
  const start = fn.address;
  const end = fn.address + BigInt(fn.size);
  const instructions = code.filter((i) => i.address >= start && i.address < end);
  if (!ret) {
    // Unknown code (no size, nothing decoded): the first instruction, as for any function.
    const entry = fn.size > 0 && instructions.length ? goEntrySite({ name: fn.name, start, end, instructions }) : { address: start, prologue: false };
    const site = siteAt(binary, fn, entry.address, entry.prologue ? 'body' : undefined);
    return site ? { sites: [site] } : { message: `${fn.name}: 0x${entry.address.toString(16)} is not in an executable segment of ${binary.path}` };
  }
  if (fn.name.endsWith('.abi0')) {
    const internal = fn.name.slice(0, -'.abi0'.length);
    return {
      message: `${fn.name} cannot have a Go return probe: it is an ABI0 function (Go assembly, or the stack-ABI side of a wrapper), whose results are on the stack, not in registers`,
      hint: binary.functions.has(internal) ? `probe the return of ${internal}, its register-ABI wrapper, whose results are in registers at its ret` : RETURN_HINT,
    };
  }
  if (fn.size === 0) return { message: `${fn.name} cannot have a Go return probe: its symbol has no size, so guru cannot see all of its code to find every way out of it`, hint: RETURN_HINT };
  const found = goReturnSites({ name: fn.name, start, end, instructions });
  if ('why' in found) return { message: found.why, hint: RETURN_HINT };
  const sites: UprobeSite[] = [];
  for (const a of found.returns) {
    const site = siteAt(binary, fn, a, 'ret');
    if (!site) return { message: `${fn.name} cannot have a Go return probe: its ret at 0x${a.toString(16)} is not in an executable segment of ${binary.path}`, hint: RETURN_HINT };
    sites.push(site);
  }
  return { sites };
}

/**
 * The sites of a return probe (RET) or an entry probe on each of FNS,
 * functions of the Go binary BINARY, in FNS' order; or why objdump gave
 * no code at all.
 */
export function goProbeSites(binary: UserBinary, fns: readonly UserFunction[], ret: boolean): GoSiteResult[] | ResolveError {
  if (fns.length === 0) return [];
  const from = fns.reduce((m, f) => (f.address < m ? f.address : m), fns[0]!.address);
  const to = fns.reduce((m, f) => (f.address + BigInt(f.size) > m ? f.address + BigInt(f.size) : m), fns[0]!.address + 1n);
  const code = disassembleRange(binary.path, from, to);
  if (!Array.isArray(code)) {
    const what = ret ? `a Go return probe is a uprobe on each ret instruction of the function, found by disassembling it` : `a Go entry probe sits past the function's stack-check prologue, found by disassembling it`;
    return { message: `${what}: ${code.why}`, hint: code.hint };
  }
  return fns.map((fn) => sitesOf(binary, fn, ret, code));
}
