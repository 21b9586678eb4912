// The grammar every probe-point spelling shares, and the parser that puts
// the probe families' spellings together. A family says how its points are
// written (guru's `PREFIX:...`, bpftrace's short prefixes, SystemTap's
// `HEAD("ARG").TARGET("ARG")[.SUFFIX]`, whole words such as `begin`) in a
// ProbePointSpelling of its own folder; src/probeFamilies/registry.ts hands
// every family's spelling to probePointParser, and parseSpec and guru list
// parse `on:` with what it returns. This file knows no kind of probe.
//
// This is syntax only. Whether a function, syscall or tracepoint exists is the
// resolver's question. But every name that survives here is later pasted into
// generated C (symbol names, strings), so each component is checked against a
// closed character set: quotes, backslashes, spaces and control characters
// never get through.
import { nearestName } from '../diagnostics/nearestName.js';
import { describeChar } from './describeChar.js';

/** A parsed probe point: its kind and its family's fields. */
export interface ParsedProbePoint {
  readonly kind: string;
}

/** How parseSpec parses `on:`: the probe families' parser. */
export type ParseProbePoint = (text: string) => ParsedProbePoint | ProbePointError;

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

export function fail(error: string, offset: number, length: number, hint?: string): ProbePointError {
  return hint === undefined ? { error, offset, length: Math.max(1, length) } : { error, hint, offset, length: Math.max(1, length) };
}

export const INJECTION_HINT =
  'probe points are pasted into the generated C module, so quotes, backslashes, spaces and control characters are refused';

export interface Charset {
  test: (c: string) => boolean;
  what: string;
  description: string;
}

export const FUNC_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_.]$/.test(c),
  what: 'function name',
  description: 'letters, digits, _ and .',
};
export const SOURCE_FILE_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_.+/-]$/.test(c),
  what: 'source file name',
  description: 'letters, digits and _ . + - /',
};
export const BINARY_PATH_CHARS: Charset = { ...SOURCE_FILE_CHARS, what: 'binary path' };

/**
 * Check text[from, to) against a character set. `wildcards`: whether `*` is
 * allowed; when it is not, a `*` gets its own message naming the probe kind.
 */
export function checkChars(
  text: string,
  from: number,
  to: number,
  charset: Charset,
  kind: string,
  wildcards: boolean,
): ProbePointError | undefined {
  for (let i = from; i < to; i++) {
    const c = text[i]!;
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

/** `missing WHAT` at OFFSET, with the shape expected (`expected kprobe:FUNC, ...`). */
export function missing(what: string, offset: number, shape: string): ProbePointError {
  return fail(`missing ${what}`, offset, 1, `expected ${shape}`);
}

/**
 * `FUNC@FILE:LINE` in text[from, to) (statement and user-statement points).
 * SHAPE is the kind's expected shape; `funcWildcards` lets `*` through in
 * FUNC (for a family that decides at resolve time); `lineSets`: LINE may
 * also be `*` (every line: line 0) or a range `87-102` (user statements).
 */
export function parseFuncFileLine(
  text: string,
  from: number,
  to: number,
  kind: string,
  shape: string,
  funcWildcards: boolean,
  lineSets = false,
): { func: string; file: string; line: number; lastLine?: number } | ProbePointError {
  const at = text.indexOf('@', from);
  if (at < 0 || at >= to) return missing("'@FILE:LINE' after the function name", to, shape);
  if (at === from) return missing('function name before @', from, shape);
  const badFunc = checkChars(text, from, at, FUNC_CHARS, kind, funcWildcards);
  if (badFunc) return badFunc;
  const colon = text.lastIndexOf(':', to - 1);
  if (colon <= at) return missing("':LINE' after the file name", to, shape);
  if (colon === at + 1) return missing('source file name after @', at + 1, shape);
  const badFile = checkChars(text, at + 1, colon, SOURCE_FILE_CHARS, kind, false);
  if (badFile) return badFile;
  const lineText = text.slice(colon + 1, to);
  // A user statement may name every line of FUNC (`*`) or a range (`87-102`); ANY_LINE (0) stands for `*`.
  if (lineSets && lineText === '*') return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: 0 };
  const range = /^([1-9][0-9]{0,8})-([1-9][0-9]{0,8})$/.exec(lineText);
  if (range) {
    const [first, last] = [Number(range[1]), Number(range[2])];
    if (!lineSets) return fail('line ranges are for user statements (ustatement:) only', colon + 1, lineText.length, `probe one line: ${text.slice(0, colon + 1)}${first}`);
    if (last <= first) return fail(`a line range runs upwards: ${first}-${last}`, colon + 1, lineText.length, `write ${Math.min(first, last)}-${Math.max(first, last)}, or one line`);
    return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: first, lastLine: last };
  }
  if (!/^[1-9][0-9]{0,8}$/.test(lineText)) {
    return fail(
      lineText === '' ? 'missing line number' : `line must be a positive integer, not '${lineText}'`,
      colon + 1,
      lineText.length,
      `expected ${shape}`,
    );
  }
  return { func: text.slice(from, at), file: text.slice(at + 1, colon), line: Number(lineText) };
}

// ---- SystemTap: dotted components, some with a ("string") or (number) argument.

export interface StapComponent {
  name: string;
  start: number;
  /** The text inside the parentheses, if any. */
  arg?: { value: string; start: number; quoted: boolean };
  end: number;
}

/** What a SystemTap spelling's parse gets: the text and its components. */
export interface StapParts {
  text: string;
  components: StapComponent[];
  /** The second component (`function("...")`) with its quoted argument, for `HEAD.TARGET` spellings. */
  target: StapComponent & { arg: NonNullable<StapComponent['arg']> };
  /** Whether the suffix is `.return`. */
  ret: boolean;
  /** The SystemTap forms (for hints). */
  forms: string;
}

/** The argument SystemTap's HEAD takes: `process("PATH")`, `module("MOD")`; none for `kernel`. */
export interface StapHeadArg {
  /** `the binary path`, `the module name`. */
  what: string;
  /** How a hint writes the head: `process("PATH")`. */
  shown: string;
  example: string;
}

export type StapSpelling<P extends ParsedProbePoint> =
  | {
      /** `kernel`, `module`, `process`. */
      head: string;
      /** `function`, `statement`, `trace`. */
      target: string;
      /** The head's argument; undefined: it takes none. */
      headArg?: StapHeadArg;
      /** Suffixes allowed after TARGET(...) (`call`, `return`). */
      suffixes?: readonly string[];
      /** How the hint lists it: `kernel.function("FUNC[@FILE]")[.call|.return]`. */
      form: string;
      parse(parts: StapParts): P | ProbePointError;
    }
  | {
      /** A head that parses all of its components itself (`syscall.NAME`, `timer.s(N)`). */
      head: string;
      target?: undefined;
      form: string;
      parse(text: string, components: StapComponent[], forms: string): P | ProbePointError;
    };

/** A `PREFIX:` spelling: guru's name and bpftrace's short forms. */
export interface ColonSpelling<P extends ParsedProbePoint> {
  /** The prefixes (`kprobe`, `k`); the first is guru's unless `guruName` is false. */
  prefixes: readonly string[];
  /** Whether the first prefix is one of guru's kind names (`interval` is bpftrace's only). */
  guruName?: boolean;
  /** What the hint expects after `PREFIX:` when nothing follows. */
  shape: string;
  /** Parse text[from...) (what follows the colon). */
  parse(text: string, from: number): P | ProbePointError;
}

/** How one family's points are written. */
export interface ProbePointSpelling<P extends ParsedProbePoint> {
  /** The point kinds it produces. */
  points: readonly P['kind'][];
  /** guru's names of its kinds, for `probe kinds: ...` hints (`uprobe`, `uretprobe`, `ustatement`). */
  kindNames: readonly string[];
  colon?: readonly ColonSpelling<P>[];
  /** Whole-word spellings (`begin`, `BEGIN`). */
  words?: Readonly<Record<string, P>>;
  systemTap?: readonly StapSpelling<P>[];
  /** Other tools' kinds guru does not offer (`fentry`), and what to write instead. */
  foreign?: Readonly<Record<string, string>>;
  /** A bare word that looks like one of its points (`sys_write`): the error to give, if it is one. */
  bareWord?(text: string, kindsHint: string): ProbePointError | undefined;
  /** guru's canonical spelling of POINT; `parse(format(p))` gives back `p`. */
  format(point: P): string;
}

export interface ProbePointParser<P extends ParsedProbePoint> {
  /** Parse one probe point in any accepted spelling. Never throws; a refused point comes back as a ProbePointError. */
  parse(text: string): P | ProbePointError;
  /** guru's canonical spelling. */
  format(point: P): string;
}

/** The parser of every spelling of SPELLINGS (the families', in the registry's order). */
export function probePointParser<P extends ParsedProbePoint>(spellings: readonly ProbePointSpelling<P>[]): ProbePointParser<P> {
  const kindNames = spellings.flatMap((s) => s.kindNames);
  const kindsHint = `probe kinds: ${kindNames.join(', ')} (SystemTap and bpftrace spellings work too)`;
  const colon = new Map<string, ColonSpelling<P>>();
  for (const s of spellings) for (const c of s.colon ?? []) for (const p of c.prefixes) colon.set(p, c);
  const candidates = [...kindNames, ...spellings.flatMap((s) => (s.colon ?? []).filter((c) => c.guruName === false).map((c) => c.prefixes[0]!))];
  const words = new Map<string, P>(spellings.flatMap((s) => Object.entries(s.words ?? {})));
  const stap = spellings.flatMap((s) => s.systemTap ?? []);
  const forms = `SystemTap forms: ${[...stap.map((s) => s.form), ...spellings.flatMap((s) => Object.keys(s.words ?? {}).filter((w) => w === w.toLowerCase()))].join(', ')}`;
  const stapHeads = new RegExp(`^(${[...new Set(stap.map((s) => s.head))].join('|')})[.(]`);
  const foreign = new Map<string, string>(spellings.flatMap((s) => Object.entries(s.foreign ?? {})));

  const unknownKind = (text: string, prefix: string, hasColon: boolean): ProbePointError => {
    const instead = foreign.get(prefix);
    if (instead !== undefined && hasColon) {
      return fail(`'${prefix}' probes are not supported by guru`, 0, prefix.length, `use ${instead}`);
    }
    if (!hasColon) {
      for (const s of spellings) {
        const refused = s.bareWord?.(text, kindsHint);
        if (refused) return refused;
      }
    }
    const nearest = nearestName(prefix, candidates);
    const message = hasColon ? `unknown probe kind '${prefix}'` : `'${text}' is not a probe point`;
    const hint = nearest ? `did you mean ${nearest}? ${kindsHint}` : `expected KIND:TARGET, e.g. syscall:write or kprobe:vfs_read; ${kindsHint}`;
    return fail(message, 0, prefix.length, hint);
  };

  const parseSystemTap = (text: string): P | ProbePointError => {
    const components = tokenizeSystemTap(text, forms);
    if (!Array.isArray(components)) return components;
    const [head, target, ...suffixes] = components;
    const unsupported = (c: StapComponent, why: string, hint = forms): ProbePointError => fail(why, c.start, c.end - c.start, hint);
    const whole = stap.find((s) => s.head === head!.name && s.target === undefined);
    if (whole && whole.target === undefined) return whole.parse(text, components, forms);
    const ofHead = stap.filter((s): s is Extract<StapSpelling<P>, { target: string }> => s.head === head!.name && s.target !== undefined);
    if (!target) return unsupported(head!, `incomplete SystemTap probe point '${text}'`);
    const headArg = ofHead.find((s) => s.headArg)?.headArg;
    if (!headArg && head!.arg) return unsupported(head!, `${head!.name} takes no argument`);
    if (headArg && (!head!.arg || !head!.arg.quoted)) return unsupported(head!, `${head!.name} needs ${headArg.what} in quotes`, `e.g. ${headArg.example}`);
    const targets = ofHead.map((s) => s.target);
    const spelling = ofHead.find((s) => s.target === target.name);
    if (!spelling) {
      const nearest = nearestName(target.name, targets);
      return unsupported(target, `unsupported SystemTap probe point ${head!.name}.${target.name}`, nearest ? `did you mean ${head!.name}.${nearest}? ${forms}` : forms);
    }
    if (!target.arg || !target.arg.quoted) {
      return unsupported(target, `${target.name} needs its argument in quotes`, `e.g. ${headArg ? headArg.shown : head!.name}.${target.name}("...")`);
    }
    const allowedSuffixes = spelling.suffixes ?? [];
    const extra = suffixes.find((s, index) => index > 0 || !allowedSuffixes.includes(s.name) || s.arg);
    if (extra) {
      const hint = allowedSuffixes.length ? `${target.name}(...) may be followed by ${allowedSuffixes.map((s) => `.${s}`).join(' or ')} only` : `${target.name}(...) takes no suffix`;
      return unsupported(extra, `unsupported suffix '.${extra.name}'`, hint);
    }
    return spelling.parse({ text, components, target: target as StapParts['target'], ret: suffixes[0]?.name === 'return', forms });
  };

  return {
    parse(text) {
      if (text.length === 0) return fail('empty probe point', 0, 0, kindsHint);
      const stapKeyword = /^probe\s+/.exec(text);
      if (stapKeyword) {
        return fail("drop SystemTap's 'probe' keyword", 0, stapKeyword[0].length, `write on: ${text.slice(stapKeyword[0].length).trim()}`);
      }
      for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        const code = c.charCodeAt(0);
        if (c === '\\' || c === ' ' || code < 0x20 || code > 0x7e) {
          return fail(`${describeChar(c)} cannot appear in a probe point`, i, 1, INJECTION_HINT);
        }
      }
      const word = words.get(text);
      if (word) return { ...word };
      if (stapHeads.test(text)) return parseSystemTap(text);
      const at = text.indexOf(':');
      const prefix = at < 0 ? text : text.slice(0, at);
      const spelling = colon.get(prefix);
      if (spelling === undefined) return unknownKind(text, prefix, at >= 0);
      if (at < 0) return fail(`${prefix} needs a target after ':'`, 0, text.length, `expected ${spelling.shape}`);
      return spelling.parse(text, at + 1);
    },
    format(point) {
      const s = spellings.find((x) => (x.points as readonly string[]).includes(point.kind));
      if (!s) throw new Error(`no spelling formats ${point.kind} probe points`);
      return s.format(point);
    },
  };
}

function tokenizeSystemTap(text: string, forms: string): StapComponent[] | ProbePointError {
  const components: StapComponent[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    while (i < text.length && /[A-Za-z0-9_*]/.test(text[i]!)) i++;
    if (i === start) {
      return fail(i < text.length ? `expected a name but found ${describeChar(text[i]!)}` : 'probe point ends after a dot', i, 1, forms);
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
        while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
        arg = { value: text.slice(argStart, i), start: argStart, quoted: false };
      }
      if (text[i] !== ')') {
        const what = i < text.length ? describeChar(text[i]!) : 'the end';
        return fail(`expected ')' but found ${what}`, i, 1, forms);
      }
      i++;
    }
    components.push({ name, start, arg, end: i });
    if (i === text.length) return components;
    if (text[i] !== '.') return fail(`expected '.' or the end but found ${describeChar(text[i]!)}`, i, 1, forms);
    i++;
  }
}
