// Parsers for gdb's batch output, used as the oracle for the DWARF reader:
// `maint info line-table`, `info breakpoints` and `info scope *ADDR`.
import { run } from './toolchain.js';

/** Run gdb on FILE with COMMANDS (-batch, no init files). */
export function gdb(file: string, commands: string[]): string {
  const args = ['-batch', '-nx', '-iex', 'set width 0', '-iex', 'set height 0'];
  for (const c of commands) args.push('-ex', c);
  return run('gdb', [...args, file]);
}

export interface GdbLineRow {
  line: number;
  address: bigint;
  isStmt: boolean;
}

/** Rows of `maint info line-table FILE` (END markers dropped). */
export function parseLineTable(text: string): GdbLineRow[] {
  const rows: GdbLineRow[] = [];
  for (const m of text.matchAll(/^\d+\s+(\d+)\s+(0x[0-9a-f]+)\s*(Y?)/gm)) {
    rows.push({ line: Number(m[1]), address: BigInt(m[2]!), isStmt: m[3] === 'Y' });
  }
  return rows;
}

export interface GdbBreakpointLocation {
  address: bigint;
  function: string;
  file: string;
  line: number;
}

/** Locations from `info breakpoints`, by breakpoint number. */
export function parseBreakpoints(text: string): Map<number, GdbBreakpointLocation[]> {
  const out = new Map<number, GdbBreakpointLocation[]>();
  for (const m of text.matchAll(/^(\d+)(?:\.\d+)?\s.*?(0x[0-9a-f]+) in (\S+) at (\S+):(\d+)/gm)) {
    const n = Number(m[1]);
    const list = out.get(n) ?? [];
    list.push({ address: BigInt(m[2]!), function: m[3]!, file: m[4]!, line: Number(m[5]) });
    out.set(n, list);
  }
  return out;
}

export type GdbLocation =
  | { kind: 'register'; reg: string }
  | { kind: 'constant'; value: bigint }
  | { kind: 'static'; address: bigint }
  | { kind: 'optimized_out' }
  | { kind: 'frame_base'; reg: string; offset: number }
  | { kind: 'base_reg'; reg: string; offset: number }
  /** A complex DWARF expression: one token per op ("DW_OP_breg3 0"), nested ops flattened. */
  | { kind: 'ops'; ops: string[] }
  | { kind: 'pieces'; pieces: { size: number; location: GdbLocation }[] }
  | { kind: 'other'; text: string };

export interface GdbScopeSymbol {
  name: string;
  /** One location everywhere, or a list of [low, high) ranges. */
  location: GdbLocation | { ranges: { low: bigint; high: bigint; location: GdbLocation }[] };
  isFunction: boolean;
}

function parseOps(text: string): string[] {
  const ops: string[] = [];
  for (const m of text.matchAll(/^\s*\d+:\s+(DW_OP_\w+)(.*)$/gm)) {
    // Keep numeric operands only; gdb adds register names in brackets and words like "DIE".
    const operands = m[2]!
      .replace(/\[.*?\]/g, '')
      .replace(/DIE ([0-9a-f]+)/, 'DIE 0x$1') // gdb prints DIE offsets in hex without 0x
      .split(/\s+/)
      .filter((t) => /^-?\d+$|^0x[0-9a-f]+$/.test(t))
      .map((t) => BigInt(t).toString());
    ops.push([m[1]!, ...operands].join(' '));
  }
  return ops;
}

function parseDescription(text: string): GdbLocation {
  const t = text.trim();
  if (/^a complex DWARF expression:/.test(t) && !/byte piece/.test(t)) return { kind: 'ops', ops: parseOps(t) };
  if (/\[\d+-byte piece\]|^an empty \d+-byte piece/.test(t)) {
    const pieces = t.split(/,\s+and\s+/).map((p) => {
      const empty = /^an empty (\d+)-byte piece$/.exec(p.trim());
      if (empty) return { size: Number(empty[1]), location: { kind: 'optimized_out' } as GdbLocation };
      const m = /^([\s\S]*?)\s*\[(\d+)-byte piece\]$/.exec(p.trim());
      if (!m) throw new Error(`unparsed gdb piece: ${p}`);
      return { size: Number(m[2]), location: parseDescription(m[1]!) };
    });
    return { kind: 'pieces', pieces };
  }
  let m = /^a variable in \$(\w+)/.exec(t);
  if (m) return { kind: 'register', reg: m[1]! };
  m = /^(?:the constant|constant|a constant with value) (-?\d+)/.exec(t);
  if (m) return { kind: 'constant', value: BigInt(m[1]!) };
  m = /static storage at address (0x[0-9a-f]+)/.exec(t);
  if (m) return { kind: 'static', address: BigInt(m[1]!) };
  if (/^(?:optimized out|an? optimized[- ]out)/.test(t) || t === '') return { kind: 'optimized_out' };
  m = /^a variable at frame base reg \$(\w+) offset (-?\d+)\+(-?\d+)/.exec(t);
  if (m) return { kind: 'frame_base', reg: m[1]!, offset: Number(m[2]) + Number(m[3]) };
  m = /^a variable at offset (-?\d+) from base reg \$(\w+)/.exec(t);
  if (m) return { kind: 'base_reg', reg: m[2]!, offset: Number(m[1]) };
  return { kind: 'other', text: t };
}

/** `info scope *ADDR` outputs, keyed by the address as written in the command. */
export function parseInfoScope(text: string): Map<bigint, GdbScopeSymbol[]> {
  const out = new Map<bigint, GdbScopeSymbol[]>();
  const sections = text.split(/^(?=Scope for \*0x|Symbol \w+ is |No locals\.|Symbol .* not found)/m);
  let current: GdbScopeSymbol[] | undefined;
  for (const s of sections) {
    const head = /^Scope for \*(0x[0-9a-f]+):/.exec(s);
    if (head) {
      current = [];
      out.set(BigInt(head[1]!), current);
      continue;
    }
    const sym = /^Symbol (\w+) is ([\s\S]*?)(?:,\s*length \d+)?\.\s*$/.exec(s.trimEnd());
    if (!sym || !current) continue;
    const [, name, rest] = sym;
    if (/^multi-location:/.test(rest!)) {
      const ranges = [];
      const parts = rest!.split(/(?=Range 0x)/).slice(1);
      for (const p of parts) {
        const r = /^Range (0x[0-9a-f]+)-(0x[0-9a-f]+): ([\s\S]*?)(?:\s*Base address 0x[0-9a-f]+\s*)?$/.exec(p.trim())!;
        ranges.push({ low: BigInt(r[1]!), high: BigInt(r[2]!), location: parseDescription(r[3]!) });
      }
      current.push({ name: name!, location: { ranges }, isFunction: false });
    } else {
      current.push({ name: name!, location: parseDescription(rest!.replace(/^(?:is )?/, '')), isFunction: /^a function at address/.test(rest!) });
    }
  }
  return out;
}

/** The location in effect at ADDRESS. */
export function gdbLocationAt(symbol: GdbScopeSymbol, address: bigint): GdbLocation {
  const loc = symbol.location;
  if ('ranges' in loc) return loc.ranges.find((r) => address >= r.low && address < r.high)?.location ?? { kind: 'optimized_out' };
  return loc;
}
