// IR → C. Every value is computed as s64 (like SystemTap's long); target
// variables are converted through their declared C type first, so an
// `unsigned int fd` of -1 reads as 4294967295 and an `int` as -1. Strings
// live in the per-CPU slots of struct guru_ctx (see kmod/guru_runtime.h).
// Everything from the spec that lands in C goes through cString() or is a
// number or an identifier the parser has already restricted.
import { InternalError } from '../errors.js';
import { STRING_SLOTS } from '../expr/compileExpression.js';
import type { IrExpr, IrStmt, TargetVar } from '../expr/ir.js';
import type { PlanGuard, PlanMap, PlanVar } from '../plan/types.js';
import { isCommGlob, kernelGlobPattern } from '../patchSpec/commPattern.js';
import { localAccessor } from '../probeFamilies/sourceLine/localAccessors.js';
import { isUnsignedExpr } from '../expr/unsignedness.js';
import { forEachExpr } from '../expr/irWalk.js';

/** The kernel's atomic64 operations that do a var's update in one step (atomic64_add(i, v), ...). */
const ATOMIC64_OPS: Partial<Record<string, string>> = { '+': 'add', '-': 'sub', '|': 'or', '&': 'and', '^': 'xor' };

/** Hands out string slots; one allocator per C statement (strings never outlive one). */
export class StringSlots {
  private next = 0;
  constructor(private readonly max = STRING_SLOTS) {}
  take(): number {
    if (this.next >= this.max) throw new InternalError(`more than ${this.max} string values in one statement`);
    return this.next++;
  }
}

export interface EmitContext {
  vars: readonly PlanVar[];
  params: readonly { name: string; type?: string }[];
  /** The probe being emitted: statement-probe locals go through its accessor functions. */
  probe?: number;
  /** The plan's maps, whose keys' layouts the aggregate statements follow. */
  maps?: readonly PlanMap[];
}

/** A C string literal that reproduces `s` byte for byte and cannot break out. */
export function cString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '?') out += '\\?'; // no trigraphs
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out + '"';
}

/** Text safe inside a C block comment. */
export function cComment(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/[^\x20-\x7e]/g, '?');
}

export function isPointerType(ctype: string): boolean {
  return ctype.includes('*');
}

function intLiteral(value: string): string {
  const v = BigInt(value);
  if (v === -(1n << 63n)) return '(-9223372036854775807LL - 1)';
  if (v >= -(1n << 31n) && v < 1n << 31n) return v < 0n ? `(${v})` : String(v);
  return v < 0n ? `(${v}LL)` : `${v}LL`;
}

/** C text of an s64 value as a u64 operand: a u64 target read without its round trip through s64, a literal as ULL. */
function asU64(c: string): string {
  if (/^\(s64\)\((u64|unsigned long)\)/.test(c)) return c.slice('(s64)'.length);
  if (/^\d+(LL)?$/.test(c)) return `${c.replace(/LL$/, '')}ULL`;
  return `(u64)${c}`;
}

function targetAccess(t: TargetVar): string {
  switch (t.access.kind) {
    case 'kernelArg':
      return `GURU_ARG(${t.access.index})`;
    case 'savedKernelArg':
      return `ctx->entry_args[${t.access.index}]`;
    case 'syscallArg':
      return `GURU_SYS_ARG(${t.access.index})`;
    case 'returnValue':
      return 'regs_return_value(ctx->regs)';
    case 'c':
      return t.access.c;
    case 'local':
      throw new InternalError(`local ${t.name} needs its probe's accessor`);
  }
}

/**
 * The C type a target's value is converted through: a fixed-width integer
 * or `unsigned long` (registerCType) for syscall and typed kernel-function
 * arguments, so that no kernel typedef has to be declared in probes.c;
 * C's own types for positional arguments and statement locals.
 */
function valueCType(t: TargetVar): string {
  if (t.registerCType) return t.registerCType;
  if (isPointerType(t.ctype)) return 'unsigned long';
  return /^(const\s+)?enum\s/.test(t.ctype) ? 'int' : t.ctype;
}

function readTarget(t: TargetVar): string {
  return `(s64)(${valueCType(t)})${targetAccess(t)}`;
}

const INT_BUILTIN_C: Record<string, string> = {
  pid: '(s64)guru_pid()',
  tid: '(s64)guru_tid()',
  uid: '(s64)guru_uid()',
  gid: '(s64)guru_gid()',
  euid: '(s64)guru_euid()',
  cpu: '(s64)guru_cpu()',
  nsecs: '(s64)guru_nsecs()',
  ppid: '(s64)guru_ppid()',
  task: '(s64)(unsigned long)get_current()',
};

export function varSymbol(v: { name: string; scope: 'thread' | 'global' }): string {
  return `${v.scope === 'thread' ? 'TVAR' : 'GVAR'}_${v.name}`;
}

export class CEmitter {
  /** Spec line of the item being emitted, for faults raised inside it. */
  private line = 0;
  /** While a global var's atomic update is emitted: that var is read as C (its old value), not from memory. */
  private selfAs?: { id: number; c: string };

  private unsigned(e: IrExpr): boolean {
    return isUnsignedExpr(e, {
      varType: (scope, id) => this.ctx.vars.find((v) => v.scope === scope && v.id === id)?.type,
      paramType: (id) => this.ctx.params[id]?.type,
    });
  }

  constructor(private readonly ctx: EmitContext) {}

  /** A statement-probe local: read through its accessor, which may fault (memory, entry values). */
  private readLocal(t: TargetVar): string {
    if (this.ctx.probe === undefined || t.access.kind !== 'local') throw new InternalError(`local ${t.name} outside a statement probe`);
    return `(s64)(${valueCType(t)})GURU_LOCAL(${localAccessor(this.ctx.probe, t.access.variable, 'get')}, ${this.line})`;
  }

  expr(e: IrExpr, slots: StringSlots): string {
    switch (e.k) {
      case 'int':
        return intLiteral(e.value);
      case 'str':
        return cString(e.value);
      case 'target':
        return e.target.access.kind === 'local' ? this.readLocal(e.target) : readTarget(e.target);
      case 'var': {
        const v = this.ctx.vars.find((x) => x.scope === e.scope && x.id === e.id)!;
        if (e.scope === 'global' && this.selfAs?.id === e.id) return this.selfAs.c;
        return e.scope === 'thread' ? `guru_tvar_get(${varSymbol(v)})` : `atomic64_read(&guru_globals[${varSymbol(v)}])`;
      }
      case 'param':
        return `GURU_PARAM(PARAM_${this.ctx.params[e.id].name})`;
      case 'builtin':
        return INT_BUILTIN_C[e.name];
      case 'strBuiltin':
        return e.name === 'comm' ? `guru_comm(ctx, ${slots.take()})` : `guru_func_name(ctx, ${slots.take()})`;
      case 'unary':
        return `(${e.op}${this.expr(e.arg, slots)})`;
      case 'binary': {
        const l = this.expr(e.left, slots);
        const r = this.expr(e.right, slots);
        // C's usual arithmetic conversions: an unsigned operand makes the operation unsigned (unsignedness.ts).
        const unsigned = e.op === '>>' ? this.unsigned(e.left) : this.unsigned(e.left) || this.unsigned(e.right);
        switch (e.op) {
          case '/':
            return `GURU_DIV${unsigned ? 'U' : ''}(${l}, ${r}, ${e.line})`;
          case '%':
            return `GURU_MOD${unsigned ? 'U' : ''}(${l}, ${r}, ${e.line})`;
          case '<<':
            return `GURU_SHL(${l}, ${r})`;
          case '>>':
            return `GURU_SHR${unsigned ? 'U' : ''}(${l}, ${r})`;
          case '<':
          case '>':
          case '<=':
          case '>=':
            return unsigned ? `(${asU64(l)} ${e.op} ${asU64(r)})` : `(${l} ${e.op} ${r})`;
          case '+':
          case '-':
          case '*':
            // Small literals and comparisons are C ints: without the cast,
            // 2147483647 + 1 or 65536 * 65536 would wrap in 32 bits.
            return `((s64)${l} ${e.op} ${r})`;
          default:
            return `(${l} ${e.op} ${r})`;
        }
      }
      case 'logical':
        return `(${this.expr(e.left, slots)} ${e.op} ${this.expr(e.right, slots)})`;
      case 'cond':
        return `(${this.expr(e.test, slots)} ? ${this.expr(e.then, slots)} : ${this.expr(e.else, slots)})`;
      case 'strcmp':
        return `(strcmp(${this.expr(e.left, slots)}, ${this.expr(e.right, slots)}) ${e.op} 0)`;
      case 'readString': {
        const macro = e.space === 'user' ? 'GURU_USER_STRING' : 'GURU_KERNEL_STRING';
        return `${macro}(${slots.take()}, ${this.expr(e.addr, slots)}, ${this.expr(e.max, slots)}, ${e.line})`;
      }
      case 'familyString':
        return `${e.macro}(${[slots.take(), ...e.args].join(', ')})`;
      case 'load':
        return `(s64)GURU_READ(${e.space}, ${this.expr(e.addr, slots)}, ${e.ctype}, ${e.line})`;
      case 'tryString': {
        const read = `guru_try_string(ctx, ${slots.take()}, (unsigned long)(${this.expr(e.addr, slots)}), ${this.expr(e.max, slots)}, ${SPACE_C[e.space]})`;
        return e.orEmpty ? `GURU_STR_OR_EMPTY(${read})` : read;
      }
      case 'cmdline':
        return e.arg ? `guru_cmdline_arg(ctx, ${slots.take()}, (s64)(${this.expr(e.arg, slots)}))` : `guru_cmdline_str(ctx, ${slots.take()})`;
      case 'stack':
      case 'ustack':
      case 'text':
        throw new InternalError(`${e.k} outside a log() argument reached the emitter`);
    }
  }

  /** The C lines that put one log() argument into the record: a text value's parts one by one. */
  private logArg(a: IrExpr, slots: StringSlots): string[] {
    if (a.k === 'text') return a.parts.flatMap((p) => this.logArg(p, slots));
    if (a.k === 'stack') return ['guru_log_stack(ctx);'];
    if (a.k === 'ustack') return ['guru_log_ustack(ctx);'];
    return [isStringExpr(a) ? `guru_log_str(ctx, ${this.expr(a, slots)});` : `guru_log_int(ctx, ${this.expr(a, slots)});`];
  }

  /** C lines (without indentation) for one statement. */
  stmt(s: IrStmt): string[] {
    const slots = new StringSlots();
    this.line = s.line;
    switch (s.k) {
      case 'setTarget': {
        const v = this.expr(s.value, slots);
        const t = s.target;
        const cast = valueCType(t);
        const value = cast === 'unsigned long' ? `(unsigned long)(${v})` : `(unsigned long)(${cast})(${v})`;
        switch (t.access.kind) {
          case 'syscallArg':
            return [`GURU_SYS_SET_ARG(${t.access.index}, ${value}, ${s.line});`];
          case 'kernelArg':
            return [`guru_set_kernel_argument(ctx->regs, ${t.access.index}, ${value});`, 'GURU_COUNT_WRITE();'];
          case 'c':
            if (!t.writable) throw new InternalError(`write to read-only ${t.name} reached the emitter`);
            return [`${t.access.c} = ${value};`, 'GURU_COUNT_WRITE();'];
          case 'returnValue':
            return [`regs_set_return_value(ctx->regs, ${value});`, 'GURU_COUNT_WRITE();'];
          case 'local':
            if (this.ctx.probe === undefined) throw new InternalError(`local ${t.name} outside a statement probe`);
            return [`GURU_SET_LOCAL(${localAccessor(this.ctx.probe, t.access.variable, 'set')}, ${value}, ${s.line});`];
          case 'savedKernelArg':
            throw new InternalError(`write to read-only ${t.name} reached the emitter`);
        }
        break;
      }
      case 'store':
        return [`GURU_WRITE(${s.space}, ${this.expr(s.addr, slots)}, ${s.ctype}, ${this.expr(s.value, slots)}, ${s.line});`];
      case 'setVar': {
        const v = this.ctx.vars.find((x) => x.scope === s.scope && x.id === s.id)!;
        if (v.scope === 'global') return this.setGlobal(v, s.value, slots);
        const value = convertForVar(this.expr(s.value, slots), v.type);
        return [`GURU_TVAR_SET(${varSymbol(v)}, ${value}, ${s.line});`];
      }
      case 'log':
        return [
          `guru_log_begin(ctx, ${s.format});`,
          ...s.args.flatMap((a) => this.logArg(a, slots)),
          'guru_log_end(ctx);',
        ];
      case 'backtrace':
        return ['guru_emit_backtrace(ctx);'];
      case 'stop':
        return ['guru_emit_stop(ctx);'];
      case 'raise':
        return [`guru_raise(ctx, ${s.sig});`];
      case 'kernelCall': {
        // The arguments as u64s, converted back to the parameters' types by the call's wrapper (kernelCallWrapper).
        const values = s.args.map((a) => `(u64)(${this.expr(a.value, slots)})`);
        return [`{ u64 __call[${Math.max(values.length, 1)}] = { ${values.join(', ') || '0'} }; GURU_KERNEL_CALL(${kernelCallWrapperName(s.name)}, __call, ${values.length}, ${s.pinTasks}, ${s.line}); }`];
      }
      case 'block':
        return s.stmts.flatMap((x) => this.stmt(x));
      case 'aggregate':
        return this.aggregate(s, slots);
      case 'mapOp': {
        const m = this.ctx.maps?.find((x) => x.name === s.map);
        if (!m) throw new InternalError(`map ${s.map} is not in the plan`);
        return [`guru_emit_map_op(ctx, ${m.id} /* ${cComment(m.name)} */, ${s.op === 'print' ? 'GURU_MAP_PRINT' : 'GURU_MAP_CLEAR'}, ${s.top});`];
      }
    }
    throw new InternalError(`unknown statement ${(s as IrStmt).k}`);
  }

  /**
   * A global var is one atomic64_t that handlers on every CPU update at
   * once, so a new value that reads the var itself (`hits += 1`, `hits =
   * hits * 2`, `hits++`) is one atomic read-modify-write, never a read and a
   * separate set (two CPUs would both read 5 and both store 6: a lost
   * count). A 64-bit var updated by + - | & ^ with an operand that does not
   * read it is atomic64_add/sub/or/and/xor (x86 has each as one locked
   * instruction); any other update (another operator, a 32-bit or bool var
   * whose value wraps, the var on both sides) is a cmpxchg loop that
   * computes the new value from the old one it replaces: lock-free, so safe
   * in any handler context, NMI included, and it retries only when another
   * CPU changed the var in between. A value that does not read the var is
   * stored with atomic64_set.
   */
  private setGlobal(v: PlanVar, value: IrExpr, slots: StringSlots): string[] {
    const slot = `&guru_globals[${varSymbol(v)}]`;
    const isSelf = (e: IrExpr): boolean => e.k === 'var' && e.scope === 'global' && e.id === v.id;
    const readsSelf = (e: IrExpr): boolean => {
      let found = false;
      forEachExpr(e, (x) => {
        if (isSelf(x)) found = true;
      });
      return found;
    };
    if (!readsSelf(value)) return [`atomic64_set(${slot}, ${convertForVar(this.expr(value, slots), v.type)});`];
    const wide = v.type === 's64' || v.type === 'u64';
    if (wide && value.k === 'binary' && ATOMIC64_OPS[value.op]) {
      const commutes = value.op !== '-';
      const other = isSelf(value.left) ? value.right : commutes && isSelf(value.right) ? value.left : undefined;
      if (other && !readsSelf(other)) return [`atomic64_${ATOMIC64_OPS[value.op]}(${this.expr(other, slots)}, ${slot});`];
    }
    // The new value is computed from __old (the var as this CPU last saw it) each time round.
    this.selfAs = { id: v.id, c: '__old' };
    let next: string;
    try {
      next = convertForVar(this.expr(value, slots), v.type);
    } finally {
      this.selfAs = undefined;
    }
    return [`{ s64 __old = atomic64_read(${slot}); do { } while (!atomic64_try_cmpxchg(${slot}, &__old, ${next})); }`];
  }

  /**
   * An update of a map (kmod/guru_agg.h): the key built part by part in
   * the CPU's scratch, then the value added; a dense map's slot is known.
   */
  private aggregate(s: Extract<IrStmt, { k: 'aggregate' }>, slots: StringSlots): string[] {
    const m = this.ctx.maps?.[s.map];
    if (!m) throw new InternalError(`map ${s.map} is not in the plan`);
    const map = `${s.map} /* ${cComment(m.name)} */`;
    if (s.slot !== undefined) {
      const name = m.slots?.[s.slot];
      return [`guru_agg_slot_add(ctx, ${map}, ${s.slot}${name ? ` /* ${cComment(JSON.stringify(name))} */` : ''}, ${this.expr(s.value, slots)});`];
    }
    const parts = s.keys.map((k, i) => {
      const part = m.keys[i]!;
      return part.type === 'int' ? `guru_agg_key_int(ctx, ${this.expr(k, slots)});` : `guru_agg_key_str(ctx, ${this.expr(k, slots)}, ${part.size});`;
    });
    return ['guru_agg_key_begin(ctx);', ...parts, `guru_agg_add(ctx, ${map}, ${this.expr(s.value, slots)});`];
  }

  /** C for an if: condition; LINE is its spec line (faults inside it report it). */
  condition(e: IrExpr, line = 0): string {
    this.line = line;
    return this.expr(e, new StringSlots());
  }
}

/** The C function that calls kernel function NAME with its arguments as u64s. */
export function kernelCallWrapperName(name: string): string {
  return `guru_call_${name}`;
}

/**
 * C for a kernel call's wrapper (kmod/guru_call.h's guru_call_fn): the
 * function's declaration as BTF has it (and the structs it names), then a
 * function that converts each u64 back to its parameter's type.
 */
export function kernelCallWrapper(call: { name: string; prototype: string; args: { ctype: string }[] }): { structs: string[]; prototype: string; wrapper: string; body: string } {
  const converted = call.args.map((a, i) => `(${a.ctype})${isPointerType(a.ctype) ? '(unsigned long)' : ''}a[${i}]`);
  return {
    structs: [...call.prototype.matchAll(/\b(struct|union) ([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => `${m[1]} ${m[2]}`),
    prototype: call.prototype,
    wrapper: kernelCallWrapperName(call.name),
    body: `${/^void\s/.test(call.prototype) ? '' : '(void)'}${call.name}(${converted.join(', ')})`,
  };
}

function isStringExpr(e: IrExpr): boolean {
  return e.k === 'str' || e.k === 'strBuiltin' || e.k === 'readString' || e.k === 'tryString' || e.k === 'familyString' || e.k === 'cmdline';
}

const SPACE_C = { user: 'GURU_SPACE_USER', kernel: 'GURU_SPACE_KERNEL', any: 'GURU_SPACE_ANY' } as const;

function convertForVar(c: string, type: PlanVar['type']): string {
  switch (type) {
    case 's64':
    case 'u64':
      return c;
    case 's32':
      return `(s64)(s32)${c}`;
    case 'u32':
      return `(s64)(u32)${c}`;
    case 'bool':
      return `(s64)!!${c}`;
  }
}

/** The where: guard as one C condition, or undefined when there is none. */
export function guardCondition(g: PlanGuard): string | undefined {
  const parts: string[] = [];
  const anyOf = (xs: string[]): string => (xs.length === 1 ? xs[0] : `(${xs.join(' || ')})`);
  if (g.uid) parts.push(anyOf(g.uid.map((u) => `guru_uid() == ${u}`)));
  if (g.pid) parts.push(anyOf(g.pid.map((p) => `guru_pid() == ${p}`)));
  // kernelGlobPattern spells a glob the way the kernel's glob_match() reads it ([! for [^, \\ for \).
  if (g.comm) parts.push(anyOf(g.comm.map((c) => (isCommGlob(c) ? `guru_comm_glob(${cString(kernelGlobPattern(c))})` : `guru_comm_is(${cString(c)})`))));
  return parts.length ? parts.join(' && ') : undefined;
}
