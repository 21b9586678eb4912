// Probe points (`on:`): guru's own spelling plus the SystemTap and bpftrace
// spellings of docs/spec.md, all normalised into one ProbePoint.
//
// This is syntax only. Whether a function, syscall or tracepoint exists is the
// resolver's question. But every name that survives here is later pasted into
// generated C (symbol names, strings), so each component is checked against a
// closed character set: quotes, backslashes, spaces and control characters
// never get through.
import { nearestName } from '../diagnostics/nearestName.js';
import { describeChar } from './describeChar.js';
import type { KernelFunctionQualifiers, ProbeKind, ProbePoint } from './types.js';

/** Why a probe point was refused; `offset`/`length` locate the culprit within the text. */
export interface ProbePointError {
  error: string;
  hint?: string;
  offset: number;
  length: number;
}

export function isProbePointError<T extends object>(result: T | ProbePointError): result is ProbePointError {
  return 'error' in result;
}

/** The kind `*` stands for in `tracepoint:*:EVENT`: category unknown, the resolver finds it. */
export const ANY_TRACEPOINT_CATEGORY = '*';

/**
 * Shortest and longest timer period. A timer probe is for periodic reports
 * and re-checks (SystemTap's band-aids report every 60s), not for sampling:
 * each run owns its CPU's probe scratch for its duration (a kprobe hitting
 * that CPU meanwhile is a counted miss) and may put a record of up to 4 KiB
 * into the event channel. 10ms (100 runs a second per timer) keeps that far
 * below what the supervisor drains, and is above a HZ=250 kernel's tick,
 * so the period is what the spec says on any kernel. The longest is a C
 * `int` of milliseconds (24 days).
 */
export const TIMER_MIN_MS = 10;
export const TIMER_MAX_MS = 2_147_483_647;

/** The expected shape of each kind, shown in hints. */
export const PROBE_POINT_SHAPES: Readonly<Record<ProbeKind, string>> = {
  kprobe: 'kprobe:FUNC, kprobe:MODULE:FUNC or kprobe:FUNC+OFFSET, e.g. kprobe:vfs_read or kprobe:vfs_read+0x1a',
  kretprobe: 'kretprobe:FUNC, e.g. kretprobe:vfs_read',
  syscall: 'syscall:NAME or syscall:NAME:return, e.g. syscall:write',
  statement: 'statement:FUNC@FILE:LINE, e.g. statement:ksys_write@fs/read_write.c:615',
  tracepoint: 'tracepoint:CATEGORY:EVENT, e.g. tracepoint:sched:sched_switch',
  uprobe: 'uprobe:PATH:FUNC, e.g. uprobe:/bin/bash:readline',
  ustatement: 'ustatement:PATH:FUNC@FILE:LINE, e.g. ustatement:./trace:main@trace.c:36',
  begin: 'begin',
  end: 'end',
  timer: 'timer:Ns or timer:Nms (at least 10ms), e.g. timer:1s',
};

const GURU_KINDS = [
  'kprobe', 'kretprobe', 'syscall', 'statement', 'tracepoint',
  'uprobe', 'uretprobe', 'ustatement', 'begin', 'end', 'timer',
] as const;

const KINDS_HINT = `probe kinds: ${GURU_KINDS.join(', ')} (SystemTap and bpftrace spellings work too)`;

type ColonSpelling =
  | 'kprobe' | 'kretprobe' | 'syscall' | 'statement' | 'tracepoint'
  | 'uprobe' | 'uretprobe' | 'ustatement' | 'timer' | 'interval';

/** `PREFIX:` → what follows is parsed as that kind (guru names and bpftrace short forms). */
const COLON_PREFIXES: Readonly<Record<string, ColonSpelling>> = {
  kprobe: 'kprobe', k: 'kprobe',
  kretprobe: 'kretprobe', kr: 'kretprobe',
  syscall: 'syscall',
  statement: 'statement',
  tracepoint: 'tracepoint', t: 'tracepoint',
  uprobe: 'uprobe', u: 'uprobe',
  uretprobe: 'uretprobe', ur: 'uretprobe',
  ustatement: 'ustatement',
  timer: 'timer',
  interval: 'interval',
};

/** Other tools' probe kinds that guru does not offer, and what to write instead. */
const FOREIGN_KINDS: Readonly<Record<string, string>> = {
  fentry: 'kprobe:FUNC', kfunc: 'kprobe:FUNC', f: 'kprobe:FUNC',
  fexit: 'kretprobe:FUNC', kretfunc: 'kretprobe:FUNC', fr: 'kretprobe:FUNC',
  rawtracepoint: 'tracepoint:CATEGORY:EVENT', rt: 'tracepoint:CATEGORY:EVENT',
  profile: 'timer:Nms', p: 'timer:Nms',
};

const INJECTION_HINT =
  'probe points are pasted into the generated C module, so quotes, backslashes, spaces and control characters are refused';

interface Charset {
  test: (c: string) => boolean;
  what: string;
  description: string;
}

const FUNC_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_.]$/.test(c),
  what: 'function name',
  description: 'letters, digits, _ and .',
};
const SYSCALL_CHARS: Charset = {
  test: (c) => /^[a-z0-9_]$/.test(c),
  what: 'syscall name',
  description: 'lowercase letters, digits and _',
};
const SOURCE_FILE_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_.+/-]$/.test(c),
  what: 'source file name',
  description: 'letters, digits and _ . + - /',
};
const BINARY_PATH_CHARS: Charset = { ...SOURCE_FILE_CHARS, what: 'binary path' };
const TRACEPOINT_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_]$/.test(c),
  what: 'tracepoint name',
  description: 'letters, digits and _',
};

function fail(error: string, offset: number, length: number, hint?: string): ProbePointError {
  return hint === undefined ? { error, offset, length: Math.max(1, length) } : { error, hint, offset, length: Math.max(1, length) };
}

/**
 * Parse one probe point in any accepted spelling. Never throws; a refused
 * probe point comes back as a ProbePointError.
 */
export function parseProbePoint(text: string): ProbePoint | ProbePointError {
  if (text.length === 0) return fail('empty probe point', 0, 0, KINDS_HINT);
  const stapKeyword = /^probe\s+/.exec(text);
  if (stapKeyword) {
    return fail("drop SystemTap's 'probe' keyword", 0, stapKeyword[0].length, `write on: ${text.slice(stapKeyword[0].length).trim()}`);
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const code = c.charCodeAt(0);
    if (c === '\\' || c === ' ' || code < 0x20 || code > 0x7e) {
      return fail(`${describeChar(c)} cannot appear in a probe point`, i, 1, INJECTION_HINT);
    }
  }
  if (text === 'begin' || text === 'BEGIN') return { kind: 'begin' };
  if (text === 'end' || text === 'END') return { kind: 'end' };
  if (/^(kernel|process|syscall|timer|module)[.(]/.test(text)) return parseSystemTap(text);

  const colon = text.indexOf(':');
  const prefix = colon < 0 ? text : text.slice(0, colon);
  const spelling = COLON_PREFIXES[prefix];
  if (spelling === undefined) return unknownKind(text, prefix, colon >= 0);
  if (colon < 0) {
    const kind = spelling === 'interval' ? 'timer' : spelling === 'uretprobe' ? 'uprobe' : spelling;
    return fail(`${prefix} needs a target after ':'`, 0, text.length, `expected ${PROBE_POINT_SHAPES[kind]}`);
  }
  const from = colon + 1;
  switch (spelling) {
    case 'kprobe':
      return parseKprobe(text, from, false);
    case 'kretprobe':
      return parseKprobe(text, from, true);
    case 'syscall':
      return parseSyscall(text, from);
    case 'statement': {
      const site = parseFuncFileLine(text, from, text.length, 'statement');
      return isProbePointError(site) ? site : { kind: 'statement', ...site };
    }
    case 'tracepoint':
      return parseTracepoint(text, from);
    case 'uprobe':
      return parseUprobe(text, from, false);
    case 'uretprobe':
      return parseUprobe(text, from, true);
    case 'ustatement':
      return parseUstatement(text, from);
    case 'timer':
      return parseTimerPeriod(text, from, 'timer:');
    case 'interval':
      return parseInterval(text, from);
  }
}

/** guru's canonical spelling; `parseProbePoint(formatProbePoint(p))` gives back `p`. */
export function formatProbePoint(point: ProbePoint): string {
  switch (point.kind) {
    case 'kprobe':
      return `kprobe:${qualifiedFunction(point)}${point.offset === 0 ? '' : `+0x${point.offset.toString(16)}`}`;
    case 'kretprobe':
      return `kretprobe:${qualifiedFunction(point)}`;
    case 'syscall':
      return point.ret ? `syscall:${point.name}:return` : `syscall:${point.name}`;
    case 'statement':
      return `statement:${point.func}@${point.file}:${point.line}`;
    case 'tracepoint':
      return `tracepoint:${point.category}:${point.event}`;
    case 'uprobe':
      return `${point.ret ? 'uretprobe' : 'uprobe'}:${point.path}:${point.file === undefined ? point.func : point.func === '*' && point.file.includes('/') ? point.file : `${point.func}@${point.file}`}`;
    case 'ustatement':
      return `ustatement:${point.path}:${point.func}@${point.file}:${point.line === 0 ? '*' : point.line}${point.lastLine ? `-${point.lastLine}` : ''}`;
    case 'begin':
    case 'end':
      return point.kind;
    case 'timer':
      return point.periodMs % 1000 === 0 ? `timer:${point.periodMs / 1000}s` : `timer:${point.periodMs}ms`;
  }
}

/** `MOD:FUNC@FILE`, each qualifier only when there. */
function qualifiedFunction(p: { func: string } & KernelFunctionQualifiers): string {
  return `${p.module !== undefined ? `${p.module}:` : ''}${p.func}${p.file !== undefined ? `@${p.file}` : ''}`;
}

function unknownKind(text: string, prefix: string, hasColon: boolean): ProbePointError {
  const instead = FOREIGN_KINDS[prefix];
  if (instead !== undefined && hasColon) {
    return fail(`'${prefix}' probes are not supported by guru`, 0, prefix.length, `use ${instead}`);
  }
  if (!hasColon && /^(sys_|__x64_sys_|SyS_)/.test(text)) {
    const name = text.replace(/^(sys_|__x64_sys_|SyS_)/, '').toLowerCase();
    return fail(`'${text}' is not a probe point`, 0, text.length, `did you mean syscall:${name}? ${KINDS_HINT}`);
  }
  const candidates = [...GURU_KINDS, 'interval'];
  const nearest = nearestName(prefix, candidates);
  const message = hasColon ? `unknown probe kind '${prefix}'` : `'${text}' is not a probe point`;
  const hint = nearest ? `did you mean ${nearest}? ${KINDS_HINT}` : `expected KIND:TARGET, e.g. syscall:write or kprobe:vfs_read; ${KINDS_HINT}`;
  return fail(message, 0, prefix.length, hint);
}

/**
 * Check text[from, to) against a character set. `wildcards`: whether `*` is
 * allowed; when it is not, a `*` gets its own message naming the probe kind.
 */
function checkChars(
  text: string,
  from: number,
  to: number,
  charset: Charset,
  kind: string,
  wildcards: boolean,
): ProbePointError | undefined {
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '*') {
      if (wildcards) continue;
      return wildcardRefused(kind, i);
    }
    if (charset.test(c)) continue;
    const allowed = `a ${charset.what} is ${charset.description}${wildcards ? ', with * wildcards' : ''}`;
    if (c === '"' || c === "'" || c === '`') {
      return fail(`${describeChar(c)} cannot appear in a ${charset.what}`, i, 1, `${INJECTION_HINT}; ${allowed}`);
    }
    return fail(`${describeChar(c)} is not allowed in a ${charset.what}`, i, 1, allowed);
  }
  return undefined;
}

function wildcardRefused(kind: string, offset: number): ProbePointError {
  return fail(
    `wildcards are not allowed in ${kind} probe points`,
    offset,
    1,
    'only kprobe and kretprobe function names may hold * (and such probes are read-only); name one target per probe',
  );
}

function missing(what: string, offset: number, kind: ProbeKind): ProbePointError {
  return fail(`missing ${what}`, offset, 1, `expected ${PROBE_POINT_SHAPES[kind]}`);
}

const MODULE_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_-]$/.test(c),
  what: 'module name',
  description: 'letters, digits, _ and -',
};

/** Only the qualifiers that are there, so a plain `kprobe:FUNC` stays `{ kind, func, offset }`. */
function qualifiers(module: string | undefined, file: string | undefined): KernelFunctionQualifiers {
  return { ...(module !== undefined && { module }), ...(file !== undefined && { file }) };
}

/** `kprobe:[MOD:]FUNC[@FILE][+OFF]` (bpftrace's `kprobe:MOD:FUNC`), `kretprobe:[MOD:]FUNC[@FILE]`. */
function parseKprobe(text: string, from: number, ret: boolean): ProbePoint | ProbePointError {
  const kind: ProbeKind = ret ? 'kretprobe' : 'kprobe';
  const plus = text.indexOf('+', from);
  const siteEnd = plus < 0 ? text.length : plus;
  let module: string | undefined;
  const colon = text.indexOf(':', from);
  if (colon >= 0 && colon < siteEnd) {
    if (colon === from) return missing('module name before :', from, kind);
    // bpftrace's kprobe:*:FUNC, kprobe:xfs*:xfs_file_*: a wildcard over the modules too (read-only, as a function wildcard).
    const badModule = checkChars(text, from, colon, MODULE_CHARS, kind, true);
    if (badModule) return badModule;
    module = text.slice(from, colon);
    from = colon + 1;
  }
  const site = functionAtFile(text, from, siteEnd, kind);
  if (isProbePointError(site)) return site;
  const { func, file } = site;
  if (module?.includes('*') && file !== undefined) return moduleWildcardWithFile(text, kind, module, func);
  const q = qualifiers(module, file);
  if (plus < 0) return ret ? { kind: 'kretprobe', func, ...q } : { kind: 'kprobe', func, offset: 0, ...q };
  if (ret) {
    return fail('a kretprobe takes no offset', plus, text.length - plus, `it fires when the function returns; write kretprobe:${func}`);
  }
  if (func.includes('*')) {
    return fail('an offset needs one function, not a wildcard', plus, text.length - plus, `write kprobe:${func} or name a single function`);
  }
  if (module?.includes('*')) {
    return fail('an offset needs one module, not a wildcard', plus, text.length - plus, `write kprobe:${module}:${func} or name the module`);
  }
  const offset = parseOffset(text.slice(plus + 1));
  if (offset === undefined) {
    return fail(
      `malformed offset '${text.slice(plus + 1)}'`,
      plus + 1,
      text.length - plus - 1,
      `an offset is hex (0x1a) or decimal (26) without leading zeros: kprobe:${func}+0x1a`,
    );
  }
  return { kind: 'kprobe', func, offset, ...q };
}

/** `FUNC` or `FUNC@FILE` (SystemTap's file qualifier) in text[from, to). */
function functionAtFile(text: string, from: number, to: number, kind: 'kprobe' | 'kretprobe'): { func: string; file?: string } | ProbePointError {
  const at = text.indexOf('@', from);
  const funcEnd = at >= 0 && at < to ? at : to;
  if (funcEnd === from) return missing('function name', from, kind);
  const bad = checkChars(text, from, funcEnd, FUNC_CHARS, kind, true);
  if (bad) return bad;
  const func = text.slice(from, funcEnd);
  if (funcEnd === to) return { func };
  if (at + 1 === to) return missing('source file name after @', at + 1, kind);
  const badFile = checkChars(text, at + 1, to, SOURCE_FILE_CHARS, kind, false);
  if (badFile) return badFile;
  if (func.includes('*')) return fail('a file qualifier needs one function, not a wildcard', at, to - at, `write ${kind}:${func} or name a single function`);
  return { func, file: text.slice(at + 1, to) };
}

/** `kprobe:xfs*:f@file.c`: a file names one function's body, of one module. */
function moduleWildcardWithFile(text: string, kind: 'kprobe' | 'kretprobe', module: string, func: string): ProbePointError {
  const at = text.indexOf('@');
  const stop = /[+"]/.exec(text.slice(at));
  const end = stop ? at + stop.index : text.length;
  return fail('a file qualifier needs one module, not a wildcard', at, end - at, `write ${kind}:${module}:${func} or name the module`);
}

function parseOffset(text: string): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|0|[1-9][0-9]*)$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `sys_write`, `__x64_sys_write`, `SyS_write`, `__se_sys_write`: kernel symbol spellings of a syscall. */
const SYSCALL_SYMBOL_PREFIX = /^(?:__(?:x64|ia32|arm64|riscv|s390x?|se|do)_|compat_)?sys_(?=[a-z0-9_]+$)/i;

function parseSyscall(text: string, from: number): ProbePoint | ProbePointError {
  const colon = text.indexOf(':', from);
  const nameEnd = colon < 0 ? text.length : colon;
  let ret = false;
  if (colon >= 0) {
    const suffix = text.slice(colon + 1);
    if (suffix !== 'return') {
      const name = text.slice(from, colon);
      const hint = ['entry', 'enter', 'call'].includes(suffix)
        ? `entry is the default: write syscall:${name}`
        : `expected ${PROBE_POINT_SHAPES.syscall}`;
      return fail(`unknown syscall probe suffix ':${suffix}'`, colon + 1, suffix.length, hint);
    }
    ret = true;
  }
  return syscallPoint(text, from, nameEnd, ret, (name) => `syscall:${name}${ret ? ':return' : ''}`);
}

function syscallPoint(
  text: string,
  from: number,
  to: number,
  ret: boolean,
  spell: (name: string) => string,
): ProbePoint | ProbePointError {
  if (to === from) return missing('syscall name', from, 'syscall');
  const name = text.slice(from, to);
  if (name.endsWith('.return') && !text.startsWith('syscall.')) {
    return fail(`'.return' is SystemTap's spelling`, to - '.return'.length, '.return'.length, `write syscall:${name.slice(0, -'.return'.length)}:return`);
  }
  const symbolPrefix = SYSCALL_SYMBOL_PREFIX.exec(name);
  if (symbolPrefix) {
    const bare = name.slice(symbolPrefix[0].length).toLowerCase();
    return fail(
      `syscall probes take the syscall's name, not its kernel symbol '${name}'`,
      from,
      name.length,
      // x86_64 kernels since 4.17 name the entry point __x64_sys_NAME: the only spelling a kprobe finds.
      `write ${spell(bare)} (or kprobe:__x64_sys_${bare} to probe the symbol itself)`,
    );
  }
  if (/[A-Z]/.test(name) && /^[A-Za-z0-9_]+$/.test(name)) {
    return fail('syscall names are lowercase', from, name.length, `write ${spell(name.toLowerCase())}`);
  }
  const bad = checkChars(text, from, to, SYSCALL_CHARS, 'syscall', false);
  if (bad) return bad;
  return { kind: 'syscall', name, ret };
}

function parseTracepoint(text: string, from: number): ProbePoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) {
    return fail('missing tracepoint category', from, text.length - from, `expected ${PROBE_POINT_SHAPES.tracepoint} (or tracepoint:*:EVENT to let guru find the category)`);
  }
  return tracepointPoint(text, from, colon, colon + 1, text.length);
}

function tracepointPoint(text: string, catFrom: number, catTo: number, eventFrom: number, eventTo: number): ProbePoint | ProbePointError {
  if (catTo === catFrom) return missing('tracepoint category', catFrom, 'tracepoint');
  if (eventTo === eventFrom) return missing('tracepoint event', eventFrom, 'tracepoint');
  const category = text.slice(catFrom, catTo);
  if (category !== ANY_TRACEPOINT_CATEGORY) {
    const bad = checkChars(text, catFrom, catTo, TRACEPOINT_CHARS, 'tracepoint', false);
    if (bad) return bad;
  }
  const bad = checkChars(text, eventFrom, eventTo, TRACEPOINT_CHARS, 'tracepoint', false);
  if (bad) return bad;
  return { kind: 'tracepoint', category, event: text.slice(eventFrom, eventTo) };
}

function parseUprobe(text: string, from: number, ret: boolean): ProbePoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) return missing("':FUNC' after the binary path", text.length, 'uprobe');
  return uprobePoint(text, from, colon, colon + 1, text.length, ret);
}

/**
 * User-space probe points (uprobe, uretprobe, ustatement) let `*` through:
 * whether one may hold a wildcard is for the family that resolves them to
 * say (the uprobe family refuses one in FUNC with its own message and a
 * guru list hint; "user statement probes are not supported yet" comes
 * first for ustatement), not "name one target per probe".
 */
const USER_WILDCARDS_DECIDED_AT_RESOLVE = true;

function uprobePoint(text: string, pathFrom: number, pathTo: number, funcFrom: number, funcTo: number, ret: boolean): ProbePoint | ProbePointError {
  const kind = ret ? 'uretprobe' : 'uprobe';
  if (pathTo === pathFrom) return missing('binary path', pathFrom, 'uprobe');
  const badPath = checkChars(text, pathFrom, pathTo, BINARY_PATH_CHARS, kind, USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badPath) return badPath;
  if (funcTo === funcFrom) return missing('function name', funcFrom, 'uprobe');
  const path = text.slice(pathFrom, pathTo);
  // SystemTap's source-file filter: FUNC@FILE (`*@trace.c`), or a path alone (`*/code/talk/trace.c`): every function of that file.
  const at = text.indexOf('@', funcFrom);
  const slash = text.indexOf('/', funcFrom);
  if (at < 0 && slash >= 0 && slash < funcTo) {
    const badFile = checkChars(text, funcFrom, funcTo, SOURCE_FILE_CHARS, kind, true);
    if (badFile) return badFile;
    return { kind: 'uprobe', path, func: '*', ret, file: text.slice(funcFrom, funcTo) };
  }
  const funcEnd = at >= 0 && at < funcTo ? at : funcTo;
  if (funcEnd === funcFrom) return missing('function name before @', funcFrom, 'uprobe');
  const badFunc = checkChars(text, funcFrom, funcEnd, FUNC_CHARS, kind, USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badFunc) return badFunc;
  if (funcEnd === funcTo) return { kind: 'uprobe', path, func: text.slice(funcFrom, funcTo), ret };
  if (funcEnd + 1 === funcTo) return missing('source file name after @', funcEnd + 1, 'uprobe');
  const badFile = checkChars(text, funcEnd + 1, funcTo, SOURCE_FILE_CHARS, kind, true);
  if (badFile) return badFile;
  return { kind: 'uprobe', path, func: text.slice(funcFrom, funcEnd), ret, file: text.slice(funcEnd + 1, funcTo) };
}

function parseUstatement(text: string, from: number): ProbePoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0 || colon > text.indexOf('@', from)) {
    // No path before FUNC@FILE:LINE.
    return missing('binary path', from, 'ustatement');
  }
  if (colon === from) return missing('binary path', from, 'ustatement');
  const badPath = checkChars(text, from, colon, BINARY_PATH_CHARS, 'ustatement', USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badPath) return badPath;
  const site = parseFuncFileLine(text, colon + 1, text.length, 'ustatement');
  return isProbePointError(site) ? site : { kind: 'ustatement', path: text.slice(from, colon), ...site };
}

/** `FUNC@FILE:LINE` in text[from, to). */
function parseFuncFileLine(
  text: string,
  from: number,
  to: number,
  kind: 'statement' | 'ustatement',
): { func: string; file: string; line: number; lastLine?: number } | ProbePointError {
  const at = text.indexOf('@', from);
  if (at < 0 || at >= to) return missing("'@FILE:LINE' after the function name", to, kind);
  if (at === from) return missing('function name before @', from, kind);
  const badFunc = checkChars(text, from, at, FUNC_CHARS, kind, kind === 'ustatement' && USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badFunc) return badFunc;
  const colon = text.lastIndexOf(':', to - 1);
  if (colon <= at) return missing("':LINE' after the file name", to, kind);
  if (colon === at + 1) return missing('source file name after @', at + 1, kind);
  const badFile = checkChars(text, at + 1, colon, SOURCE_FILE_CHARS, kind, false);
  if (badFile) return badFile;
  const lineText = text.slice(colon + 1, to);
  // A user statement may name every line of FUNC (`*`) or a range (`87-102`); ANY_LINE (0) stands for `*`.
  if (kind === 'ustatement' && lineText === '*') return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: 0 };
  const range = /^([1-9][0-9]{0,8})-([1-9][0-9]{0,8})$/.exec(lineText);
  if (range) {
    const [first, last] = [Number(range[1]), Number(range[2])];
    if (kind !== 'ustatement') return fail('line ranges are for user statements (ustatement:) only', colon + 1, lineText.length, `probe one line: ${text.slice(0, colon + 1)}${first}`);
    if (last <= first) return fail(`a line range runs upwards: ${first}-${last}`, colon + 1, lineText.length, `write ${Math.min(first, last)}-${Math.max(first, last)}, or one line`);
    return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: first, lastLine: last };
  }
  if (!/^[1-9][0-9]{0,8}$/.test(lineText)) {
    return fail(
      lineText === '' ? 'missing line number' : `line must be a positive integer, not '${lineText}'`,
      colon + 1,
      lineText.length,
      `expected ${PROBE_POINT_SHAPES[kind]}`,
    );
  }
  return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: Number(lineText) };
}

const TIMER_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000 };

/** `Nms` / `Ns` in text[from, end). */
function parseTimerPeriod(text: string, from: number, spelling: string): ProbePoint | ProbePointError {
  const period = text.slice(from);
  const match = /^([0-9]+)([a-z]*)$/.exec(period);
  if (!match) {
    return fail(`malformed timer period '${period}'`, from, period.length, `expected ${PROBE_POINT_SHAPES.timer}`);
  }
  const [, amountText, unit] = match;
  if (TIMER_UNITS[unit] === undefined) {
    const message = unit === '' ? 'timer period needs a unit' : `unsupported timer unit '${unit}'`;
    return fail(message, from + amountText.length, unit.length, timerUnitHint(spelling, Number(amountText), unit));
  }
  return timerPoint(Number(amountText), unit, from, period.length, amountText);
}

const LONGER_UNITS_IN_SECONDS: Readonly<Record<string, number>> = { m: 60, min: 60, h: 3600 };

function timerUnitHint(spelling: string, amount: number, unit: string): string {
  const seconds = LONGER_UNITS_IN_SECONDS[unit];
  if (seconds !== undefined) return `timers take ms or s: ${spelling}${amount * seconds}s`;
  if (unit === 'us' || unit === 'ns') return `timers take ms or s, and the shortest period is ${TIMER_MIN_MS}ms: ${spelling}${TIMER_MIN_MS}ms`;
  const inMs = amount >= TIMER_MIN_MS ? `${spelling}${amount}ms or ` : '';
  return `timers take ms or s, at least ${TIMER_MIN_MS}ms: ${inMs}${spelling}${amount}s`;
}

function timerPoint(amount: number, unit: string, offset: number, length: number, amountText: string): ProbePoint | ProbePointError {
  if (amountText.length > 1 && amountText.startsWith('0')) {
    return fail(`malformed timer period '${amountText}'`, offset, length, `write it without leading zeros: ${Number(amountText)}`);
  }
  const periodMs = amount * (TIMER_UNITS[unit] ?? 1);
  if (periodMs < TIMER_MIN_MS) {
    const why = periodMs === 0 ? 'a timer needs a period' : 'timer probes are for periodic reports and checks, not sampling';
    return fail(`timer period must be at least ${TIMER_MIN_MS}ms`, offset, length, `${why}: e.g. timer:${TIMER_MIN_MS}ms, timer:100ms or timer:1s`);
  }
  if (!Number.isSafeInteger(periodMs) || periodMs > TIMER_MAX_MS) {
    return fail(`timer period is too long (more than ${TIMER_MAX_MS}ms)`, offset, length, 'use a period under 24 days');
  }
  return { kind: 'timer', periodMs };
}

/** bpftrace `interval:s:1`, `interval:ms:100` (and the newer `interval:1s`). */
function parseInterval(text: string, from: number): ProbePoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) return parseTimerPeriod(text, from, 'interval:');
  const unit = text.slice(from, colon);
  const amountText = text.slice(colon + 1);
  if (TIMER_UNITS[unit] === undefined) {
    return fail(`unsupported interval unit '${unit}'`, from, unit.length, `intervals take ms or s, at least ${TIMER_MIN_MS}ms: interval:ms:100 or interval:s:1`);
  }
  if (!/^[0-9]+$/.test(amountText)) {
    return fail(`malformed interval '${amountText}'`, colon + 1, amountText.length, `expected interval:${unit}:N, e.g. interval:s:1`);
  }
  return timerPoint(Number(amountText), unit, colon + 1, amountText.length, amountText);
}

// ---- SystemTap: dotted components, some with a ("string") or (number) argument.

interface StapComponent {
  name: string;
  start: number;
  /** The text inside the parentheses, if any. */
  arg?: { value: string; start: number; quoted: boolean };
  end: number;
}

const STAP_FORMS =
  'SystemTap forms: kernel.function("FUNC[@FILE]")[.call|.return], module("MOD").function("FUNC")[.call|.return], kernel.statement("FUNC@FILE:LINE"), kernel.trace("EVENT"), ' +
  'syscall.NAME[.return], process("PATH").function("FUNC")[.call|.return], process("PATH").statement("FUNC@FILE:LINE"), ' +
  'timer.s(N), timer.ms(N), begin, end';

function tokenizeSystemTap(text: string): StapComponent[] | ProbePointError {
  const components: StapComponent[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    while (i < text.length && /[A-Za-z0-9_*]/.test(text[i])) i++;
    if (i === start) {
      return fail(i < text.length ? `expected a name but found ${describeChar(text[i])}` : 'probe point ends after a dot', i, 1, STAP_FORMS);
    }
    const name = text.slice(start, i);
    let arg: StapComponent['arg'];
    if (text[i] === '(') {
      i++;
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) return fail('unterminated string', i, text.length - i, `close it: ${name}("...")`);
        arg = { value: text.slice(i + 1, close), start: i + 1, quoted: true };
        i = close + 1;
      } else {
        const argStart = i;
        while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
        arg = { value: text.slice(argStart, i), start: argStart, quoted: false };
      }
      if (text[i] !== ')') {
        const what = i < text.length ? describeChar(text[i]) : 'the end';
        return fail(`expected ')' but found ${what}`, i, 1, STAP_FORMS);
      }
      i++;
    }
    components.push({ name, start, arg, end: i });
    if (i === text.length) return components;
    if (text[i] !== '.') return fail(`expected '.' or the end but found ${describeChar(text[i])}`, i, 1, STAP_FORMS);
    i++;
  }
}

function parseSystemTap(text: string): ProbePoint | ProbePointError {
  const components = tokenizeSystemTap(text);
  if (!Array.isArray(components)) return components;
  const [head, target, ...suffixes] = components;
  const unsupported = (c: StapComponent, why: string, hint = STAP_FORMS): ProbePointError =>
    fail(why, c.start, c.end - c.start, hint);
  if (head.name === 'syscall') return stapSyscall(text, components);
  if (head.name === 'timer') return stapTimer(text, components);
  if (!target) return unsupported(head, `incomplete SystemTap probe point '${text}'`);
  if (head.name === 'kernel' && head.arg) return unsupported(head, 'kernel takes no argument');
  if (head.name === 'process' && (!head.arg || !head.arg.quoted)) {
    return unsupported(head, 'process needs the binary path in quotes', 'e.g. process("/bin/bash").function("readline")');
  }
  if (head.name === 'module' && (!head.arg || !head.arg.quoted)) {
    return unsupported(head, 'module needs the module name in quotes', 'e.g. module("af_alg").function("af_alg_sendmsg")');
  }
  const targets = head.name === 'kernel' ? ['function', 'statement', 'trace'] : head.name === 'module' ? ['function'] : ['function', 'statement'];
  if (!targets.includes(target.name)) {
    const nearest = nearestName(target.name, targets);
    return unsupported(target, `unsupported SystemTap probe point ${head.name}.${target.name}`, nearest ? `did you mean ${head.name}.${nearest}? ${STAP_FORMS}` : STAP_FORMS);
  }
  if (!target.arg || !target.arg.quoted) {
    return unsupported(target, `${target.name} needs its argument in quotes`, `e.g. ${head.name === 'kernel' ? 'kernel' : head.name === 'module' ? 'module("MOD")' : 'process("PATH")'}.${target.name}("...")`);
  }
  const arg = target.arg;
  const argEnd = arg.start + arg.value.length;
  const allowedSuffixes = target.name === 'function' ? ['call', 'return'] : [];
  const extra = suffixes.find((s, index) => index > 0 || !allowedSuffixes.includes(s.name) || s.arg);
  if (extra) {
    const hint = allowedSuffixes.length ? `${target.name}(...) may be followed by .call or .return only` : `${target.name}(...) takes no suffix`;
    return unsupported(extra, `unsupported suffix '.${extra.name}'`, hint);
  }
  const ret = suffixes[0]?.name === 'return';

  if (head.name === 'kernel') {
    switch (target.name) {
      case 'function':
        return stapFunction(text, arg.start, argEnd, ret, undefined);
      case 'statement': {
        const site = parseFuncFileLine(text, arg.start, argEnd, 'statement');
        return isProbePointError(site) ? site : { kind: 'statement', ...site };
      }
      default: {
        // kernel.trace("EVENT") does not say which category; `*` lets the resolver find it.
        const colon = arg.value.indexOf(':');
        if (colon >= 0) return tracepointPoint(text, arg.start, arg.start + colon, arg.start + colon + 1, argEnd);
        if (arg.value === '') return missing('tracepoint event', arg.start, 'tracepoint');
        const bad = checkChars(text, arg.start, argEnd, TRACEPOINT_CHARS, 'tracepoint', false);
        if (bad) return bad;
        return { kind: 'tracepoint', category: ANY_TRACEPOINT_CATEGORY, event: arg.value };
      }
    }
  }
  if (head.name === 'module') {
    const mod = head.arg!;
    if (mod.value === '') return missing('module name', mod.start, ret ? 'kretprobe' : 'kprobe');
    // SystemTap's module("*").function("F"), module("xfs*"): as kprobe:*:F.
    const badModule = checkChars(text, mod.start, mod.start + mod.value.length, MODULE_CHARS, ret ? 'kretprobe' : 'kprobe', true);
    if (badModule) return badModule;
    const point = stapFunction(text, arg.start, argEnd, ret, mod.value);
    if (!isProbePointError(point) && mod.value.includes('*') && 'file' in point && point.file !== undefined) {
      return moduleWildcardWithFile(text, ret ? 'kretprobe' : 'kprobe', mod.value, point.func);
    }
    return point;
  }
  const path = head.arg;
  if (!path) return unsupported(head, 'process needs the binary path in quotes');
  const pathEnd = path.start + path.value.length;
  if (target.name === 'function') return uprobePoint(text, path.start, pathEnd, arg.start, argEnd, ret);
  if (path.value === '') return missing('binary path', path.start, 'ustatement');
  const badPath = checkChars(text, path.start, pathEnd, BINARY_PATH_CHARS, 'ustatement', USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badPath) return badPath;
  const site = parseFuncFileLine(text, arg.start, argEnd, 'ustatement');
  return isProbePointError(site) ? site : { kind: 'ustatement', path: path.value, ...site };
}

/** The argument of `kernel.function("FUNC[@FILE]")` / `module("MOD").function(...)`, at text[from, to). */
function stapFunction(text: string, from: number, to: number, ret: boolean, module: string | undefined): ProbePoint | ProbePointError {
  const site = functionAtFile(text, from, to, ret ? 'kretprobe' : 'kprobe');
  if (isProbePointError(site)) return site;
  const q = qualifiers(module, site.file);
  return ret ? { kind: 'kretprobe', func: site.func, ...q } : { kind: 'kprobe', func: site.func, offset: 0, ...q };
}

function stapSyscall(text: string, components: StapComponent[]): ProbePoint | ProbePointError {
  const [head, name, suffix, ...rest] = components;
  if (head.arg) return fail('syscall takes no argument', head.start, head.end - head.start, 'write syscall.NAME, e.g. syscall.write');
  if (!name) return missing('syscall name', head.end, 'syscall');
  if (name.arg) return fail(`syscall.${name.name} takes no argument`, name.start, name.end - name.start, 'write syscall.NAME, e.g. syscall.write');
  const extra = rest[0] ?? (suffix && (suffix.name !== 'return' || suffix.arg) ? suffix : undefined);
  if (extra) {
    return fail(`unsupported suffix '.${extra.name}'`, extra.start, extra.end - extra.start, `write syscall.${name.name} or syscall.${name.name}.return`);
  }
  const ret = suffix !== undefined;
  return syscallPoint(text, name.start, name.end, ret, (bare) => `syscall.${bare}${ret ? '.return' : ''}`);
}

const STAP_TIMER_UNITS: Readonly<Record<string, string>> = { s: 's', sec: 's', ms: 'ms', msec: 'ms' };

function stapTimer(text: string, components: StapComponent[]): ProbePoint | ProbePointError {
  const [head, unit, ...rest] = components;
  if (!unit || head.arg) return fail('malformed SystemTap timer', head.start, text.length, 'write timer.s(N) or timer.ms(N)');
  const canonicalUnit = STAP_TIMER_UNITS[unit.name];
  if (canonicalUnit === undefined) {
    return fail(`unsupported timer unit '${unit.name}'`, unit.start, unit.name.length, `timers take ms or s, at least ${TIMER_MIN_MS}ms: timer.ms(N) or timer.s(N)`);
  }
  if (rest.length > 0) return fail(`unsupported suffix '.${rest[0].name}'`, rest[0].start, rest[0].end - rest[0].start, 'write timer.s(N) or timer.ms(N)');
  if (!unit.arg || unit.arg.quoted || !/^[0-9]+$/.test(unit.arg.value)) {
    const at = unit.arg ? unit.arg.start : unit.end;
    return fail('timer needs a whole number of units in parentheses', at, unit.arg?.value.length ?? 1, `e.g. timer.${unit.name}(1)`);
  }
  return timerPoint(Number(unit.arg.value), canonicalUnit, unit.arg.start, unit.arg.value.length, unit.arg.value);
}
