// Showing log() arguments in user space: the parts a probe recorded
// (integers, strings, return addresses) put together as their LogArg says:
// kernel stacks in guru's, SystemTap's or bpftrace's layout, quoted strings,
// return codes with their errno names, nested formats.
import { formatConversion, parseLogFormat, type FormatPiece } from '../expr/logFormat.js';
import type { LogArg, StackStyle } from '../expr/logArg.js';
import type { LogPartValue } from './decodeRecords.js';
import type { SymbolLookup } from './kernelSymbols.js';
import type { MapValues } from './aggregateSnapshot.js';
import { extractValue } from './stapAggregates.js';
import { showUserStack, type UserStacks } from './userStacks.js';

export interface ShowContext {
  symbols: SymbolLookup;
  /** errno value → name (the manifest's). */
  errnoNames: Record<string, string>;
  /** The event came from a tracepoint, whose stacks start inside perf's delivery of the event. */
  tracepoint?: boolean;
  /** Names user stacks (from the process's maps); the event's process is PID. */
  users?: UserStacks;
  pid?: number;
  /** The module's maps as they are now (SystemTap's extractors, @count(x) ...): a snapshot read when the event is shown. */
  maps?: () => readonly MapValues[];
}

/**
 * A tracepoint's records reach guru through perf (kmod/guru_tracepoint.c),
 * so its stack starts with perf's functions; it is shown from where the
 * event fired (`syscall_trace_enter` for syscalls:sys_enter_read).
 */
export function fromEventSite(addrs: bigint[], symbols: SymbolLookup): bigint[] {
  let i = 0;
  while (i < addrs.length && /^(__)?perf_/.test(symbols.lookup(addrs[i]!)?.name ?? '')) i++;
  return addrs.slice(i);
}

const hex = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** One kernel frame in STYLE (a whole line for every style but bpftrace's, which indents). */
function frame(addr: bigint, style: StackStyle, symbols: SymbolLookup): string {
  if (style === 'raw') return hex(addr);
  const s = symbols.lookup(addr);
  switch (style) {
    case 'bpftrace':
      return s ? `${s.name}+${s.offset}` : hex(addr);
    case 'guru':
      // As the kernel's %pS prints it.
      return s ? `${s.name}+0x${hex(s.offset)}${s.size !== undefined ? `/0x${hex(s.size)}` : ''}${s.module ? ` [${s.module}]` : ''}` : `0x${hex(addr)}`;
    case 'systemtap':
      return s
        ? ` 0x${hex(addr)} : ${s.name}+0x${hex(s.offset)}${s.size !== undefined ? `/0x${hex(s.size)}` : ''} [${s.module ?? 'kernel'}]`
        : ` 0x${hex(addr)}`;
  }
}

/** Each frame of a stack as STYLE names it. */
export function stackFrames(addrs: bigint[], style: StackStyle, symbols: SymbolLookup): string[] {
  return addrs.map((a) => frame(a, style, symbols));
}

/** A kernel stack as text: SystemTap's one frame per line; bpftrace's kstack starts on a new line and indents each frame by 8. */
export function showStack(addrs: bigint[], style: StackStyle, symbols: SymbolLookup): string {
  const frames = stackFrames(addrs, style, symbols);
  if (style === 'bpftrace' || style === 'raw') {
    const pad = style === 'bpftrace' ? ' '.repeat(8) : '';
    return frames.length ? '\n' + frames.map((f) => `${pad}${f}\n`).join('') : '';
  }
  return frames.map((f) => `${f}\n`).join('');
}

/** SystemTap's string_quoted(): in double quotes, with C escapes for quotes, backslashes and unprintable bytes. */
export function quoteString(s: string): string {
  let out = '"';
  // Byte by byte, as the kernel holds it (the event's text is its UTF-8).
  for (const c of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(c);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

/** SystemTap's return_str(FORMAT, v): `-13 (EACCES)` for an errno, else decimal, 0x-hex or octal. */
export function returnStr(v: bigint, fmt: 1 | 2 | 3, errnoNames: Record<string, string>): string {
  if (v < 0n) {
    const name = errnoNames[(-v).toString()];
    if (name) return `${v} (${name})`;
  }
  if (fmt === 2) return `0x${hex(v)}`;
  if (fmt === 3) return v === 0n ? '0' : `0${BigInt.asUintN(64, v).toString(8)}`;
  return v.toString();
}

/**
 * SystemTap's caller(): `sprintf("%s 0x%x", symname(addr), addr)`, the
 * name alone (no offset) of the function the return address ADDR is in, or
 * the address in hex where no symbol covers it. The name is the one of the
 * byte before ADDR, the call's: a call that never returns may be the last
 * instruction of its function.
 */
export function showCaller(recorded: bigint, space: 'kernel' | 'user', ctx: ShowContext): string {
  // Records carry integers as signed: a kernel address is negative there.
  const addr = BigInt.asUintN(64, recorded);
  const before = addr > 0n ? addr - 1n : addr;
  const name = space === 'kernel' ? ctx.symbols.lookup(before)?.name : ctx.users && ctx.pid !== undefined ? ctx.users.returnFrame(ctx.pid, addr).name : undefined;
  return `${name ?? `0x${hex(addr)}`} 0x${hex(addr)}`;
}

const formatCache = new Map<string, FormatPiece[]>();

function pieces(fmt: string): FormatPiece[] {
  let p = formatCache.get(fmt);
  if (!p) formatCache.set(fmt, (p = parseLogFormat(fmt)));
  return p;
}

/** Apply FMT to ARGS, taking their parts from PARTS from index AT on; returns the text and the next index. */
export function showFormat(fmt: string, args: LogArg[], parts: LogPartValue[], at: number, ctx: ShowContext): { text: string; next: number } {
  let out = '';
  let i = at;
  let a = 0;
  for (const p of pieces(fmt)) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const shown = showArg(args[a++]!, parts, i, ctx);
    i = shown.next;
    out += formatConversion(p, shown.value);
  }
  return { text: out, next: i };
}

/** One argument: an integer (for %d and friends) or its text. */
export function showArg(arg: LogArg, parts: LogPartValue[], at: number, ctx: ShowContext): { value: bigint | string; next: number } {
  if (arg === 'int' || arg === 'string') {
    const v = parts[at];
    return { value: typeof v === 'bigint' ? v : typeof v === 'string' ? v : '', next: at + 1 };
  }
  if ('stack' in arg) {
    const v = parts[at];
    const all = Array.isArray(v) ? v : [];
    const addrs = ctx.tracepoint ? fromEventSite(all, ctx.symbols) : all;
    return { value: showStack(arg.limit === undefined ? addrs : addrs.slice(0, arg.limit), arg.stack, ctx.symbols), next: at + 1 };
  }
  if ('ustack' in arg) {
    const v = parts[at];
    const words = Array.isArray(v) ? v : [];
    const frames = ctx.users && ctx.pid !== undefined ? ctx.users.frames(ctx.pid, words) : words.slice(0, 1).map((addr) => ({ addr }));
    return { value: showUserStack(arg.limit === undefined ? frames : frames.slice(0, arg.limit), arg.ustack), next: at + 1 };
  }
  if ('quoted' in arg) {
    const addr = parts[at] as bigint;
    const s = parts[at + 1];
    const value = addr === 0n ? 'NULL' : typeof s === 'string' ? quoteString(s) : `0x${hex(addr)}`;
    return { value, next: at + 2 };
  }
  if ('caller' in arg) return { value: showCaller(parts[at] as bigint, arg.caller, ctx), next: at + 1 };
  if ('returnStr' in arg) return { value: returnStr(parts[at] as bigint, arg.returnStr, ctx.errnoNames), next: at + 1 };
  if ('indent' in arg) {
    const [us, comm, tid, depth] = parts.slice(at, at + 4) as [bigint, string, bigint, bigint];
    const pad = depth > 1n ? ' '.repeat(Number(depth) - 1) : '';
    return { value: `${us.toString().padStart(6)} ${comm}(${tid}):${pad}`, next: at + 4 };
  }
  if ('extract' in arg) return { value: extractValue(ctx.maps?.() ?? [], arg), next: at };
  const shown = showFormat(arg.sprintf, arg.args, parts, at, ctx);
  return { value: shown.text, next: shown.next };
}
