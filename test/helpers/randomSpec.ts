// Random VALID patch specs for the generative build test: a seeded
// generator over the spec language exactly as the compiler accepts it today
// (docs/spec.md; src/expr/compileExpression.ts and src/plan/resolveProbePoint.ts
// are the authority). Every spec it draws must pass `guru check`, render, and
// build without a warning; when one does not, the spec text is the report.
//
// Expressions are generated as trees and printed with the fewest parentheses
// that keep the tree (C/jsep precedence), plus a few redundant ones, so the
// parser's precedence handling is exercised and the compiler sees exactly the
// intended tree. Each spec records which language features it used; the test
// keeps drawing until every feature in FEATURES has appeared.
import { LOG_MAX_ARGS, STRING_SLOTS } from '../../src/expr/compileExpression.js';
import type { SyscallPrototype } from '../../src/kernelFacts/kernelFacts.js';

// ---- seeded PRNG ------------------------------------------------------------

/** sfc32 seeded from one 32-bit integer: small, fast, good enough for tests. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** Pick by weight: [[weight, value], ...]; zero weights never win. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      if (w <= 0) continue;
      if (r < w) return v;
      r -= w;
    }
    return choices.filter(([w]) => w > 0).at(-1)![1];
  }

  /** A 64-bit value, biased towards the edges where C gets interesting. */
  bigint(): bigint {
    const edges = [0n, 1n, 7n, 8n, 255n, 256n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
    if (this.chance(0.35)) return this.pick(edges);
    if (this.chance(0.5)) return BigInt(this.int(0, 1000));
    return (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff));
  }
}

/** A fresh seed: from GURU_SEED when set (to replay a failure), else random. */
export function chooseSeed(env: string | undefined): number {
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env.trim());
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`GURU_SEED must be an integer in [0, 2^32), not ${env}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}

// ---- what the generator draws from -------------------------------------------

/** Target variables at a kprobe (offset 0) or kretprobe on one function, as the resolver gives them. */
export interface FunctionTargets {
  readable: string[];
  writable: string[];
  /** Those of pointer type, good for user_string(). */
  pointers: string[];
}

export interface SpecUniverse {
  /** Syscalls of the target's x86_64 table, with their argument names. */
  syscalls: readonly SyscallPrototype[];
  /** Constant names the target's headers define (EACCES, O_RDONLY, S_IFREG, ...). */
  constantNames: readonly string[];
  /** A constant's value: zero-valued ones (O_RDONLY, SEEK_SET) are zero divisors to the compiler, like a literal 0. */
  constantValue(name: string): bigint | undefined;
  /**
   * `$arg1..$arg6` without the target's BTF; named, typed parameters (and
   * only as many as the function has) with it.
   */
  functionTargets(func: string, isReturn: boolean): FunctionTargets;
}

/**
 * Well-known 6.1 kernel functions for kprobe/kretprobe. Headers alone give no
 * symbol list, so the resolver cannot check these; they only need to be real
 * enough that the module would register on a 6.1 kernel.
 */
export const KPROBE_FUNCTIONS = [
  'vfs_read', 'vfs_write', 'vfs_open', 'do_sys_openat2', 'cap_capable', 'security_file_open',
  'do_filp_open', 'ksys_read', 'ksys_write', 'cap_ptrace_access_check', 'do_unlinkat', 'vfs_unlink',
  'vfs_mkdir', 'vfs_rename', 'filp_close', 'tcp_sendmsg', 'tcp_v4_connect', 'do_exit',
  'wake_up_new_task', 'kernel_clone', 'inode_permission', 'security_inode_permission', 'do_nanosleep',
] as const;

/** Language features a complete run must have exercised at least once. */
export const FEATURES: readonly string[] = [
  // probe kinds and every spelling
  ...['kprobe:F', 'k:F', 'kernel.function("F")', 'kernel.function("F").call', 'kprobe:F+0', 'kprobe:F+0x0', 'kprobe:F+OFF'].map((s) => `on:${s}`),
  ...['kretprobe:F', 'kr:F', 'kernel.function("F").return'].map((s) => `on:${s}`),
  ...['syscall:N', 'syscall.N', 'syscall:N:return', 'syscall.N.return'].map((s) => `on:${s}`),
  ...['begin', 'BEGIN', 'end', 'END'].map((s) => `on:${s}`),
  // where:
  'where:uid', 'where:uid-list', 'where:pid', 'where:pid-list', 'where:comm', 'where:comm-list', 'where:comm-glob', 'where:probe', 'where:probe-empty',
  // declarations
  ...['s64', 'u64', 's32', 'u32', 'bool'].flatMap((t) => [`var:${t}:thread`, `var:${t}:global`]),
  'var:default', 'param', 'param:negative',
  // expressions
  ...['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '<', '>', '<=', '>=', '==', '!=', '&&', '||'].map((o) => `op:${o}`),
  ...['-', '!', '~', '+'].map((o) => `unary:${o}`),
  'op:?:', 'str:==', 'str:!=', 'str:literal', 'str:comm', 'str:func', 'str:probe',
  'call:user_string', 'call:user_string/max', 'call:kernel_string', 'call:kernel_string/max',
  'lit:decimal', 'lit:hex', 'lit:octal', 'lit:suffix', 'lit:bool', 'lit:edge', 'const:errno', 'const:open-flag', 'const:mode',
  ...['pid', 'tid', 'uid', 'gid', 'euid', 'cpu', 'nsecs'].map((b) => `builtin:${b}`),
  'read:var', 'read:param', 'read:kprobe-arg', 'read:kretprobe-arg', 'read:kretprobe-return', 'read:syscall-arg', 'read:syscall-positional',
  'read:syscall-return-arg', 'read:syscall-return',
  // statements
  ...['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '|=', '^='].map((o) => `assign:${o}`),
  'update:x++', 'update:++x', 'update:x--', 'update:--x',
  'write:kprobe-arg', 'write:kretprobe-return', 'write:syscall-arg', 'write:syscall-return', 'write:update-target',
  'stmt:log', 'stmt:backtrace', 'stmt:stop', 'stmt:do-scalar', 'stmt:do-empty', 'stmt:no-do', 'if',
  ...['%d', '%u', '%x', '%s', '%p', '%%'].map((c) => `log:${c}`), 'log:width', 'log:flags', 'log:length', 'log:no-args', 'log:many-args', 'log:16-strings',
  'spec:description',
];

export interface GeneratedSpec {
  name: string;
  text: string;
  features: ReadonlySet<string>;
}

// ---- expression trees --------------------------------------------------------

type Expr =
  | { k: 'leaf'; text: string; zero?: boolean }
  | { k: 'unary'; op: string; arg: Expr; zero?: boolean }
  | { k: 'binary'; op: string; left: Expr; right: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'call'; name: string; args: Expr[] };

/** jsep/C binding strength of each binary operator (higher binds tighter). */
const PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const UNARY_PRECEDENCE = 20;
const COND_PRECEDENCE = 0;

function precedence(e: Expr): number {
  switch (e.k) {
    case 'binary':
      return PRECEDENCE[e.op];
    case 'cond':
      return COND_PRECEDENCE;
    case 'unary':
      return UNARY_PRECEDENCE;
    default:
      return 100;
  }
}

/** Print with the parentheses the tree needs, and now and then one more. */
function print(e: Expr, rng: Rng): string {
  const wrap = (child: Expr, needed: boolean): string => {
    const s = print(child, rng);
    return needed || (child.k !== 'leaf' && child.k !== 'call' && rng.chance(0.1)) ? `(${s})` : s;
  };
  switch (e.k) {
    case 'leaf':
      return e.text;
    case 'call':
      return `${e.name}(${e.args.map((a) => print(a, rng)).join(', ')})`;
    case 'unary': {
      // `- -5` must not become `--5` (an update operator): parenthesise unary operands.
      const arg = wrap(e.arg, precedence(e.arg) < UNARY_PRECEDENCE || e.arg.k === 'unary' || (e.arg.k === 'leaf' && /^[-+]/.test(e.arg.text)));
      return `${e.op}${arg}`;
    }
    case 'binary': {
      const p = PRECEDENCE[e.op];
      // Left-associative: a right operand of equal precedence needs parentheses.
      return `${wrap(e.left, precedence(e.left) < p)} ${e.op} ${wrap(e.right, precedence(e.right) <= p)}`;
    }
    case 'cond':
      return `${wrap(e.test, precedence(e.test) <= COND_PRECEDENCE)} ? ${wrap(e.then, precedence(e.then) <= COND_PRECEDENCE)} : ${wrap(e.else, precedence(e.else) < COND_PRECEDENCE)}`;
  }
}

/** Whether the compiler sees this as the literal 0 (it refuses `x / 0`). */
function isLiteralZero(e: Expr): boolean {
  if (e.k === 'leaf') return e.zero === true;
  if (e.k === 'unary' && (e.op === '-' || e.op === '+')) return isLiteralZero(e.arg);
  return false;
}

// ---- one probe's scope ---------------------------------------------------------

type ProbeKind = 'kprobe' | 'kprobe-offset' | 'kretprobe' | 'syscall' | 'syscall-return' | 'begin' | 'end';

interface Target {
  name: string;
  feature: string;
}

interface Scope {
  kind: ProbeKind;
  readable: Target[];
  writable: Target[];
  /** Targets holding a pointer, good for user_string(). */
  pointers: string[];
  vars: string[];
  params: string[];
}

const INT_BUILTINS = ['pid', 'tid', 'uid', 'gid', 'euid', 'cpu', 'nsecs'] as const;
const BINARY_OPS = ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '<', '>', '<=', '>=', '==', '!='] as const;
const COMPOUND_OPS = ['+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '|=', '^='] as const;
const RESERVED = new Set([
  'pid', 'tid', 'uid', 'gid', 'euid', 'comm', 'cpu', 'nsecs', 'probe', 'func', 'log', 'user_string', 'kernel_string',
  'backtrace', 'ubacktrace', 'stop', 'count', 'enabled', 'true', 'false', 'null', 'this',
]);

class SpecGenerator {
  readonly features = new Set<string>();
  private readonly errnos: string[];
  private readonly openFlags: string[];
  private readonly modes: string[];
  /** Strings read by the if:/do: item being generated (the compiler allows STRING_SLOTS). */
  private stringReads = 0;

  constructor(
    private readonly rng: Rng,
    private readonly universe: SpecUniverse,
  ) {
    const names = universe.constantNames;
    this.errnos = names.filter((n) => /^E[A-Z0-9]+$/.test(n));
    this.openFlags = names.filter((n) => /^(O_|AT_|SEEK_)/.test(n));
    this.modes = names.filter((n) => /^S_I/.test(n));
  }

  private use(feature: string): void {
    this.features.add(feature);
  }

  // ---- integers ----

  private literal(): Expr {
    const { rng } = this;
    const value = rng.bigint();
    const form = rng.weighted([[5, 'decimal'], [3, 'hex'], [2, 'octal'], [1, 'suffix'], [1, 'bool']] as const);
    if ([0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n].includes(value) && value > 1n) this.use('lit:edge');
    switch (form) {
      case 'decimal':
        this.use('lit:decimal');
        return { k: 'leaf', text: value.toString(), zero: value === 0n };
      case 'hex':
        this.use('lit:hex');
        return { k: 'leaf', text: `0${rng.pick(['x', 'X'])}${rng.chance(0.5) ? value.toString(16) : value.toString(16).toUpperCase()}`, zero: value === 0n };
      case 'octal':
        this.use('lit:octal');
        return { k: 'leaf', text: `0${value.toString(8)}`, zero: value === 0n };
      case 'suffix':
        this.use('lit:suffix');
        return { k: 'leaf', text: `${value.toString()}${rng.pick(['u', 'U', 'l', 'L', 'ul', 'UL', 'll', 'ULL'])}`, zero: value === 0n };
      case 'bool': {
        this.use('lit:bool');
        const b = rng.chance(0.5);
        return { k: 'leaf', text: String(b), zero: !b };
      }
    }
  }

  private constant(): Expr {
    const { rng } = this;
    const group = rng.weighted([[3, 'errno'], [2, 'open-flag'], [2, 'mode']] as const);
    const names = group === 'errno' ? this.errnos : group === 'open-flag' ? this.openFlags : this.modes;
    if (names.length === 0) return this.literal();
    this.use(`const:${group}`);
    const name = rng.pick(names);
    // The compiler folds constants: x / O_RDONLY is refused like x / 0, so a zero-valued one is marked as zero.
    const zero = this.universe.constantValue(name) === 0n;
    return { k: 'leaf', text: group === 'errno' && rng.chance(0.5) ? `-${name}` : name, zero };
  }

  private intLeaf(s: Scope): Expr {
    const { rng } = this;
    const choice = rng.weighted([
      [4, 'literal'],
      [2, 'constant'],
      [s.vars.length ? 3 : 0, 'var'],
      [s.params.length ? 2 : 0, 'param'],
      [2, 'builtin'],
      [s.readable.length ? 5 : 0, 'target'],
    ] as const);
    switch (choice) {
      case 'literal':
        return this.literal();
      case 'constant':
        return this.constant();
      case 'var':
        this.use('read:var');
        return { k: 'leaf', text: rng.pick(s.vars) };
      case 'param':
        this.use('read:param');
        return { k: 'leaf', text: rng.pick(s.params) };
      case 'builtin': {
        const b = rng.pick(INT_BUILTINS);
        this.use(`builtin:${b}`);
        return { k: 'leaf', text: b };
      }
      case 'target': {
        const t = rng.pick(s.readable);
        this.use(t.feature);
        return { k: 'leaf', text: t.name };
      }
    }
  }

  int(s: Scope, depth: number): Expr {
    const { rng } = this;
    if (depth <= 0 || rng.chance(0.3)) return this.intLeaf(s);
    const choice = rng.weighted([
      [8, 'binary'],
      [2, 'logical'],
      [2, 'unary'],
      [1, 'cond'],
      [this.stringReads < STRING_SLOTS ? 2 : 0, 'strcmp'],
    ] as const);
    switch (choice) {
      case 'binary': {
        const op = rng.pick(BINARY_OPS);
        this.use(`op:${op}`);
        const left = this.int(s, depth - 1);
        let right = this.int(s, depth - 1);
        while ((op === '/' || op === '%') && isLiteralZero(right)) right = this.int(s, depth - 1);
        return { k: 'binary', op, left, right };
      }
      case 'logical': {
        const op = rng.pick(['&&', '||']);
        this.use(`op:${op}`);
        return { k: 'binary', op, left: this.int(s, depth - 1), right: this.int(s, depth - 1) };
      }
      case 'unary': {
        const op = rng.pick(['-', '!', '~', '+']);
        this.use(`unary:${op}`);
        const arg = this.int(s, depth - 1);
        return { k: 'unary', op, arg, zero: (op === '-' || op === '+') && isLiteralZero(arg) };
      }
      case 'cond':
        this.use('op:?:');
        return { k: 'cond', test: this.int(s, depth - 1), then: this.int(s, depth - 1), else: this.int(s, depth - 1) };
      case 'strcmp': {
        const op = rng.pick(['==', '!=']);
        this.use(`str:${op}`);
        return { k: 'binary', op, left: this.str(s, depth - 1), right: this.str(s, depth - 1) };
      }
    }
  }

  // ---- strings ----

  private stringLiteral(): Expr {
    this.use('str:literal');
    return { k: 'leaf', text: jsepString(this.randomText(0, 20)) };
  }

  str(s: Scope, depth: number): Expr {
    const { rng } = this;
    const budget = this.stringReads < STRING_SLOTS;
    const choice = rng.weighted([
      [3, 'literal'],
      [budget ? 3 : 0, 'comm'],
      [budget ? 1 : 0, 'func'],
      [1, 'probe'],
      [budget && depth > 0 ? 3 : 0, 'read'],
    ] as const);
    switch (choice) {
      case 'literal':
        return this.stringLiteral();
      case 'comm':
      case 'func':
        this.stringReads++;
        this.use(`str:${choice}`);
        return { k: 'leaf', text: choice };
      case 'probe':
        this.use('str:probe');
        return { k: 'leaf', text: 'probe' };
      case 'read': {
        this.stringReads++;
        const name = rng.pick(['user_string', 'kernel_string']);
        const addr: Expr = s.pointers.length && rng.chance(0.7) ? { k: 'leaf', text: rng.pick(s.pointers) } : this.int(s, Math.min(depth - 1, 1));
        const args = [addr];
        if (rng.chance(0.5)) {
          args.push(rng.chance(0.6) ? { k: 'leaf', text: String(rng.pick([0, 1, 15, 64, 255, 256, 4096])) } : this.int(s, 1));
          this.use(`call:${name}/max`);
        } else this.use(`call:${name}`);
        return { k: 'call', name, args };
      }
    }
  }

  /** Printable text with the characters that trip escaping: quotes, backslashes, ?, %, non-ASCII. */
  randomText(min: number, max: number): string {
    const { rng } = this;
    const alphabet = ['a', 'b', 'z', 'Q', '0', '9', ' ', '_', '-', ':', ',', '.', '/', '#', '"', "'", '\\', '?', '??=', '*/', '/*', '{', '}', '$', '=', 'é', 'ß', '→', '日本', '😀'];
    let out = '';
    const n = rng.int(min, max);
    for (let i = 0; i < n; i++) out += rng.pick(alphabet);
    return out;
  }

  // ---- statements ----

  statement(s: Scope): string {
    const { rng } = this;
    this.stringReads = 0;
    const canWrite = s.writable.length > 0;
    const choice = rng.weighted([
      [s.vars.length ? 5 : 0, 'setVar'],
      [canWrite ? 4 : 0, 'setTarget'],
      [s.vars.length || canWrite ? 2 : 0, 'update'],
      [6, 'log'],
      [1, 'backtrace'],
      [0.5, 'stop'],
    ] as const);
    switch (choice) {
      case 'setVar':
      case 'setTarget': {
        const target = choice === 'setVar' ? rng.pick(s.vars) : this.writeTarget(s);
        const op = rng.chance(0.6) ? '=' : rng.pick(COMPOUND_OPS);
        this.use(`assign:${op}`);
        let value = this.int(s, rng.int(0, 3));
        while ((op === '/=' || op === '%=') && isLiteralZero(value)) value = this.int(s, 2);
        return `${target} ${op} ${print(value, rng)}`;
      }
      case 'update': {
        const target = s.vars.length && (!canWrite || rng.chance(0.5)) ? rng.pick(s.vars) : this.writeTarget(s);
        if (target.startsWith('$')) this.use('write:update-target');
        const form = rng.pick(['x++', '++x', 'x--', '--x']);
        this.use(`update:${form}`);
        return form.replace('x', target);
      }
      case 'log':
        return this.log(s);
      case 'backtrace':
        this.use('stmt:backtrace');
        return 'backtrace()';
      case 'stop':
        this.use('stmt:stop');
        return 'stop()';
    }
  }

  private writeTarget(s: Scope): string {
    const t = this.rng.pick(s.writable);
    this.use(
      s.kind === 'kprobe' ? 'write:kprobe-arg' : s.kind === 'kretprobe' ? 'write:kretprobe-return' : s.kind === 'syscall' ? 'write:syscall-arg' : 'write:syscall-return',
    );
    return t.name;
  }

  private log(s: Scope): string {
    const { rng } = this;
    this.use('stmt:log');
    const many = rng.chance(0.05);
    const count = many ? LOG_MAX_ARGS : rng.weighted([[1, 0], [3, 1], [3, 2], [2, 3], [1, 6]] as const);
    if (count === 0) this.use('log:no-args');
    if (many) this.use('log:many-args');
    const allComm = many && rng.chance(0.5);
    if (allComm) this.use('log:16-strings');
    let fmt = '';
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      fmt += this.randomText(0, 4);
      if (rng.chance(0.1)) {
        this.use('log:%%');
        fmt += '%%';
      }
      if (allComm) {
        // Exactly STRING_SLOTS strings read: the most one item may hold.
        fmt += '%s';
        args.push('comm');
        this.stringReads++;
        continue;
      }
      const conv = rng.weighted([[4, 'd'], [2, 'u'], [2, 'x'], [this.stringReads < STRING_SLOTS ? 4 : 0, 's'], [1, 'p']] as const);
      this.use(`log:%${conv}`);
      let spec = '%';
      if (rng.chance(0.2)) {
        spec += rng.pick(['-', '0', '-0', '0-']);
        this.use('log:flags');
      }
      if (rng.chance(0.3)) {
        spec += String(rng.int(1, 24));
        this.use('log:width');
      }
      if (conv !== 's' && conv !== 'p' && rng.chance(0.15)) {
        spec += rng.pick(['hh', 'h', 'l', 'll', 'z']);
        this.use('log:length');
      }
      fmt += spec + conv;
      const depth = many ? 1 : rng.int(0, 3);
      args.push(print(conv === 's' ? this.str(s, depth) : this.int(s, depth), rng));
    }
    fmt += this.randomText(0, 6);
    if (rng.chance(0.1)) {
      this.use('log:%%');
      fmt += '100%%';
    }
    return `log(${[jsepString(fmt), ...args].join(', ')})`;
  }

  // ---- a probe ----

  probe(spec: { vars: string[]; params: string[] }): string[] {
    const { rng } = this;
    const kind = rng.weighted([
      [6, 'syscall'],
      [4, 'syscall-return'],
      [4, 'kprobe'],
      [1, 'kprobe-offset'],
      [3, 'kretprobe'],
      [1, 'begin'],
      [1, 'end'],
    ] as const);
    const { on, scope } = this.probePoint(kind, spec);
    const lines = [`  - on: ${yamlOn(on, rng)}`];
    // Accepted on begin/end too, where no guard applies (they run in the supervisor).
    if (rng.chance(0.15)) {
      this.use('where:probe');
      if (rng.chance(0.3)) {
        this.use('where:probe-empty');
        lines.push('    where: {}');
      } else {
        lines.push('    where:', ...this.guard().map((l) => `      ${l}`));
      }
    }
    if (rng.chance(0.5)) {
      this.use('if');
      this.stringReads = 0;
      lines.push(`    if: ${yamlExpr(print(this.int(scope, rng.int(1, 4)), rng), rng)}`);
    }
    const shape = rng.weighted([[12, 'list'], [1, 'scalar'], [1, 'empty'], [1, 'none']] as const);
    if (shape === 'none') this.use('stmt:no-do');
    else if (shape === 'empty') {
      this.use('stmt:do-empty');
      lines.push('    do: []');
    } else if (shape === 'scalar') {
      this.use('stmt:do-scalar');
      lines.push(`    do: ${yamlExpr(this.statement(scope), rng)}`);
    } else {
      lines.push('    do:');
      for (let i = rng.int(1, 5); i > 0; i--) lines.push(`      - ${yamlExpr(this.statement(scope), rng)}`);
    }
    return lines;
  }

  private probePoint(kind: ProbeKind, spec: { vars: string[]; params: string[] }): { on: string; scope: Scope } {
    const { rng } = this;
    const scope: Scope = { kind, readable: [], writable: [], pointers: [], vars: spec.vars, params: spec.params };
    const spell = (forms: readonly string[], fill: (f: string) => string): string => {
      const form = rng.pick(forms);
      this.use(`on:${form}`);
      return fill(form);
    };
    switch (kind) {
      case 'kprobe':
      case 'kretprobe': {
        const fn = rng.pick(KPROBE_FUNCTIONS);
        const forms = kind === 'kprobe'
          ? ['kprobe:F', 'k:F', 'kernel.function("F")', 'kernel.function("F").call', 'kprobe:F+0', 'kprobe:F+0x0']
          : ['kretprobe:F', 'kr:F', 'kernel.function("F").return'];
        const on = spell(forms, (f) => f.replace('F', fn));
        const targets = this.universe.functionTargets(fn, kind === 'kretprobe');
        const feature = (name: string): string => (name === '$return' ? 'read:kretprobe-return' : kind === 'kprobe' ? 'read:kprobe-arg' : 'read:kretprobe-arg');
        scope.readable = targets.readable.map((name) => ({ name, feature: feature(name) }));
        scope.writable = targets.writable.map((name) => ({ name, feature: feature(name) }));
        scope.pointers = targets.pointers.length ? targets.pointers : targets.readable.filter((n) => n !== '$return');
        return { on, scope };
      }
      case 'kprobe-offset': {
        // Past the first instruction: no arguments, nothing writable.
        this.use('on:kprobe:F+OFF');
        return { on: `kprobe:${rng.pick(KPROBE_FUNCTIONS)}+${rng.chance(0.5) ? '0x5' : '5'}`, scope };
      }
      case 'syscall':
      case 'syscall-return': {
        const sc = rng.pick(this.universe.syscalls);
        const ret = kind === 'syscall-return';
        const on = spell(ret ? ['syscall:N:return', 'syscall.N.return'] : ['syscall:N', 'syscall.N'], (f) => f.replace('N', sc.name));
        sc.args.slice(0, 6).forEach((a, i) => {
          const feature = ret ? 'read:syscall-return-arg' : 'read:syscall-arg';
          scope.readable.push({ name: `$${a.name}`, feature }, { name: `$arg${i + 1}`, feature: ret ? feature : 'read:syscall-positional' });
          if (a.ctype.includes('*')) scope.pointers.push(`$${a.name}`);
        });
        if (ret) {
          const r = { name: '$return', feature: 'read:syscall-return' };
          scope.readable.push(r);
          scope.writable = [r];
        } else scope.writable = scope.readable;
        return { on, scope };
      }
      case 'begin':
        return { on: spell(['begin', 'BEGIN'], (f) => f), scope };
      case 'end':
        return { on: spell(['end', 'END'], (f) => f), scope };
    }
  }

  // ---- where: ----

  guard(): string[] {
    const { rng } = this;
    const lines: string[] = [];
    const keys = rng.pick([['uid'], ['pid'], ['comm'], ['uid', 'comm'], ['pid', 'comm'], ['uid', 'pid', 'comm']]);
    for (const key of keys) {
      const list = rng.chance(0.4);
      this.use(`where:${key}${list ? '-list' : ''}`);
      const one = (): string => {
        if (key === 'uid') return String(rng.pick([0, 1000, 1001, 65534, 4294967294]));
        if (key === 'pid') return String(rng.pick([1, 42, 1234, 4194304]));
        return yamlQuote(this.commPattern());
      };
      lines.push(list ? `${key}: [${Array.from({ length: rng.int(1, 3) }, one).join(', ')}]` : `${key}: ${one()}`);
    }
    return lines;
  }

  private commPattern(): string {
    const { rng } = this;
    if (rng.chance(0.5)) return rng.pick(['echo', 'bash', 'cat', 'sshd', 'systemd-journal', 'a', 'x y', "it's", 'with%percent', '??=trigraph']);
    this.use('where:comm-glob');
    return rng.pick(['ba*', '*sh', '?at', '[bd]ash', '[!x]cho', '[^a-c]*', 'e[a-z]ho', '*', 'a*b*c', '[]]x', 'sys*d?']);
  }
}

// ---- YAML and jsep quoting -----------------------------------------------------

/** A jsep double-quoted string literal for `s`. */
function jsepString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A YAML single-quoted scalar: everything literal, ' doubled. */
function yamlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** An expression as YAML: plain when that is unambiguous, else single-quoted. */
function yamlExpr(text: string, rng: Rng): string {
  // YAML would read true/false/null as non-strings, so those stay quoted.
  const plainSafe = /^[A-Za-z_$(][A-Za-z0-9_$ ()+\-<>=!&|^~,]*$/.test(text) && !/^(true|false|null)$/i.test(text);
  return plainSafe && rng.chance(0.5) ? text : yamlQuote(text);
}

function yamlOn(on: string, rng: Rng): string {
  return /^[A-Za-z0-9_:.+]+$/.test(on) && rng.chance(0.6) ? on : yamlQuote(on);
}

// ---- a whole spec ----------------------------------------------------------------

function identifier(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const first = rng.pick(['a', 'b', 'n', 'x', 'orig', 'count', 'T', 'Max', '_', '_tmp', 'hits', 'EPERM', 'Seen']);
    const rest = rng.chance(0.6) ? `${rng.pick(['', '_'])}${rng.int(0, 99)}` : '';
    const name = first + rest;
    if (!taken.has(name) && !RESERVED.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

export function generateSpec(rng: Rng, universe: SpecUniverse, index: number): GeneratedSpec {
  const g = new SpecGenerator(rng, universe);
  const suffix = rng.int(0, 0xffffff).toString(16);
  const long = rng.chance(0.1);
  const name = long ? `g${index}_${'x'.repeat(47)}`.slice(0, 48) : `gen${index}_${suffix}`;
  const lines = ['guru: 1', `name: ${name}`];
  if (rng.chance(0.4)) {
    g.features.add('spec:description');
    lines.push(`description: ${JSON.stringify(`generated ${g.randomText(1, 30)}`)}`);
  }
  if (rng.chance(0.6)) lines.push('where:', ...g.guard().map((l) => `  ${l}`));

  const taken = new Set<string>();
  const params: string[] = [];
  if (rng.chance(0.4)) {
    lines.push('params:');
    for (let i = rng.int(1, 3); i > 0; i--) {
      const p = identifier(rng, taken);
      params.push(p);
      const initial = rng.pick([0, 1, -1, 42, 0x7fffffff, -9007199254740991, 9007199254740991]);
      g.features.add(initial < 0 ? 'param:negative' : 'param');
      lines.push(`  ${p}: ${initial}`);
    }
  }
  const vars: string[] = [];
  if (rng.chance(0.75)) {
    lines.push('vars:');
    for (let i = rng.int(1, 6); i > 0; i--) {
      const v = identifier(rng, taken);
      vars.push(v);
      if (rng.chance(0.1)) {
        g.features.add('var:default');
        lines.push(rng.chance(0.5) ? `  ${v}:` : `  ${v}: {}`);
        continue;
      }
      const type = rng.pick(['s64', 'u64', 's32', 'u32', 'bool']);
      const scope = rng.pick(['thread', 'global']);
      g.features.add(`var:${type}:${scope}`);
      lines.push(rng.chance(0.5) ? `  ${v}: { type: ${type}, scope: ${scope} }` : `  ${v}:\n    type: ${type}\n    scope: ${scope}`);
    }
  }
  lines.push('probes:');
  for (let i = rng.int(1, 4); i > 0; i--) lines.push(...g.probe({ vars, params }));
  return { name, text: lines.join('\n') + '\n', features: g.features };
}

/**
 * Not random: one spec that reads and writes every argument of every syscall
 * in the target's table, so each argument's C type is converted both ways
 * at least once per run (a random draw reaches only some syscalls).
 */
export function syscallSweepSpec(universe: SpecUniverse): { name: string; text: string } {
  const name = 'gen_syscall_sweep';
  const lines = ['guru: 1', `name: ${name}`, 'description: every argument of every syscall, read and written', 'probes:'];
  for (const sc of universe.syscalls) {
    const args = sc.args.slice(0, 6).map((a) => `$${a.name}`);
    lines.push(`  - on: syscall:${sc.name}`, '    do:');
    if (args.length === 0) {
      lines.push(`      - 'log("${sc.name}")'`);
      continue;
    }
    lines.push(`      - 'log("${sc.name}${args.map(() => ' %d').join('')}", ${args.join(', ')})'`);
    for (const a of args) lines.push(`      - '${a} = ${a} + 0'`);
  }
  return { name, text: lines.join('\n') + '\n' };
}
