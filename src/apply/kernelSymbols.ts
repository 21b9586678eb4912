// Kernel addresses to symbols, in user space, from /proc/kallsyms: the
// kernel records only return addresses for a stack (a probe may run in NMI
// context, where formatting symbols is unsafe), and the supervisor, which
// runs on the same kernel, names them. kallsyms lists the running kernel's
// addresses, KASLR slide included, and every loaded module's functions
// ("foo [dccp]"), and /proc/modules where each module's code is, which
// ends a module's last function. Read once per session, when the first
// stack arrives, and again when an address falls outside everything read
// (a module loaded since).
import fs from 'node:fs';
import { lastAtOrBelow } from '../debuginfo/lastAtOrBelow.js';

export interface KernelSymbol {
  name: string;
  /** Offset of the address into the function. */
  offset: bigint;
  /** The function's size, up to the next symbol, when known. */
  size?: bigint;
  /** The module holding it; undefined for the kernel itself. */
  module?: string;
}

export interface SymbolLookup {
  lookup(addr: bigint): KernelSymbol | undefined;
}

interface Entry {
  addr: bigint;
  name: string;
  module?: string;
}

/** Where each loaded module is: /proc/modules lines `name size refs deps state address`. */
export function parseModules(text: string): Map<string, { start: bigint; end: bigint }> {
  const out = new Map<string, { start: bigint; end: bigint }>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\d+) .* 0x([0-9a-f]+)/.exec(line);
    if (m && BigInt('0x' + m[3]) !== 0n) out.set(m[1]!, { start: BigInt('0x' + m[3]), end: BigInt('0x' + m[3]) + BigInt(m[2]!) });
  }
  return out;
}

/** Text symbols (t T w W) of kallsyms TEXT, sorted by address (kallsyms order among equals). */
export function parseKallsyms(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) ([tTwW]) (\S+)(?:\t\[(\S+)\])?/.exec(line);
    if (!m) continue;
    const addr = BigInt('0x' + m[1]);
    if (addr === 0n) continue;
    out.push({ addr, name: m[3]!, module: m[4] });
  }
  return out.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

const readProc = (file: string) => (): string => fs.readFileSync(file, 'latin1');

export class KallsymsTable implements SymbolLookup {
  private entries: Entry[] | undefined;
  private modules = new Map<string, { start: bigint; end: bigint }>();
  private reread = false;
  /** Set when kallsyms shows no addresses (kptr_restrict), so callers can say why stacks are raw. */
  hidden = false;

  constructor(
    private readonly readKallsyms: () => string = readProc('/proc/kallsyms'),
    private readonly readModules: () => string = readProc('/proc/modules'),
  ) {}

  private load(): Entry[] {
    if (!this.entries) {
      const text = readOrEmpty(this.readKallsyms);
      this.entries = parseKallsyms(text);
      this.modules = parseModules(readOrEmpty(this.readModules));
      this.hidden = this.entries.length === 0 && /^0+ /m.test(text);
    }
    return this.entries;
  }

  lookup(addr: bigint): KernelSymbol | undefined {
    let found = this.find(this.load(), addr);
    if (!found && !this.reread) {
      this.reread = true;
      this.entries = undefined;
      found = this.find(this.load(), addr);
    }
    return found;
  }

  private find(entries: Entry[], addr: bigint): KernelSymbol | undefined {
    let at = lastAtOrBelow(entries, addr, (e) => e.addr);
    if (at < 0) return undefined;
    while (at > 0 && entries[at - 1]!.addr === entries[at]!.addr) at--; // of several names, the first
    const e = entries[at]!;
    // The next symbol at a higher address ends this one; a module's last function ends with the module.
    let next = at + 1;
    while (next < entries.length && entries[next]!.addr === e.addr) next++;
    const end = entries[next];
    const size = end && end.module === e.module ? end.addr - e.addr : undefined;
    if (size === undefined) {
      const mod = e.module === undefined ? undefined : this.modules.get(e.module);
      if (!mod || addr >= mod.end) return undefined;
    }
    return { name: e.name, offset: addr - e.addr, size, module: e.module };
  }
}

function readOrEmpty(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}
