// The expression compiler: jsep trees → typed IR, with every check the
// language promises done here, at check time, so that a spec guru accepts
// always compiles: names resolve, types agree, writes are allowed where they
// happen, log() formats match their arguments.
import type jsep from 'jsep';
import type { Diagnostic, SourceSpan } from '../diagnostics/diagnostic.js';
import { nearestName } from '../diagnostics/nearestName.js';
import type { ExprSource, ParamDecl, VarDecl } from '../patchSpec/types.js';
import { spanInExpr } from '../patchSpec/exprSpan.js';
import { ExpressionSyntaxError, parseExpression, type ExprNode } from './parseExpression.js';
import type { BinaryOp, IntBuiltin, IrExpr, IrStmt, LoadCType, StringBuiltin, TargetVar, ValueType } from './ir.js';
import type { TargetTypes, TypeShape } from './targetTypes.js';
import { conversionType, FormatError, parseLogFormat, type Conversion } from './logFormat.js';

export const INT_BUILTINS: readonly IntBuiltin[] = ['pid', 'tid', 'uid', 'gid', 'euid', 'cpu', 'nsecs'];
export const STRING_BUILTINS: readonly (StringBuiltin | 'probe')[] = ['comm', 'func', 'probe'];
export const STATEMENT_CALLS = ['log', 'stop', 'backtrace', 'raise'] as const;
/** Signal numbers raise() takes (the kernel's _NSIG is 64 on x86-64). */
const SIGNAL_MAX = 64;
export const VALUE_CALLS = ['user_string', 'kernel_string'] as const;
/** Named in the spec language (docs/spec.md) but not built yet: refused with a clear message, never stubbed. */
const LATER_CALLS: Record<string, string> = {
  ubacktrace: 'ubacktrace() (user stacks) is not supported yet',
  count: 'count() counters are not supported yet',
};

/** Largest string a probe reads, NUL included (GURU_STR_MAX in kmod). */
export const STRING_MAX = 256;
/** Most log() arguments in one call (the record is at most 2 KiB). */
export const LOG_MAX_ARGS = 16;
/**
 * Most strings read (comm, func, user_string(), kernel_string()) by one if:
 * or do: item: each needs its own per-CPU buffer until the item is done
 * (GURU_STR_SLOTS in kmod/guru_runtime.h; the emitter's StringSlots).
 */
export const STRING_SLOTS = 16;

/** Why a `$name` that exists in general is not usable at this probe. */
export interface UnavailableTarget {
  message: string;
  hint?: string;
}

export interface CompileScope {
  /** The probe's on: text, for messages. */
  probeLabel: string;
  targets: ReadonlyMap<string, TargetVar>;
  unavailableTargets: ReadonlyMap<string, UnavailableTarget>;
  /** Why no write is allowed at this probe at all (wildcards), if so. */
  writesRefused?: string;
  /** Said after the hint of an unknown target variable (e.g. why argument names are unknown here). */
  unknownTargetNote?: string;
  /** Why each read-only target cannot be written, by name, for the diagnostic. */
  readOnly: ReadonlyMap<string, { message: string; hint?: string }>;
  /** Targets whose writes are allowed but worth a warning (said at each write), by name. */
  writeWarnings?: ReadonlyMap<string, { message: string; hint?: string }>;
  vars: readonly VarDecl[];
  /** Index of each var within its scope's storage. */
  varIds: ReadonlyMap<string, number>;
  params: readonly ParamDecl[];
  constant: (name: string) => bigint | undefined;
  constantNames: () => string[];
  /** False where handlers run in the supervisor, not a probed task (begin, end): raise() would signal guru. */
  inTask?: boolean;
  /**
   * The target kernel's types (BTF), for member access; undefined when
   * there are none. Called only when a spec uses member access: loading
   * BTF takes a few hundred milliseconds.
   */
  types?: () => TargetTypes | undefined;
}

export interface LogFormatEntry {
  id: number;
  probe: number;
  fmt: string;
  args: ValueType[];
  line: number;
}

/** Shared by all probes of one spec: diagnostics (a DiagnosticBag's list) and the log format table. */
export class CompileSession {
  constructor(
    readonly diagnostics: Diagnostic[] = [],
    readonly formats: LogFormatEntry[] = [],
  ) {}
}

class CompileFailure extends Error {}

interface Typed {
  ir: IrExpr;
  /** 'error': a part that failed to compile (already reported); checks on it are skipped, so one mistake is reported once. */
  type: ValueType | 'error';
}

/** What a failed subexpression compiles to while the rest of its item is still checked. */
const POISON: Typed = { ir: { k: 'int', value: '0' }, type: 'error' };

/** Memory that member access reached: where it is and its type (not read yet). */
interface Place {
  addr: IrExpr;
  typeId: number;
  space: 'kernel' | 'user';
}

/** A struct or union in memory, whose members `.`/`->` select. */
interface RecordBase {
  addr: IrExpr;
  record: Extract<TypeShape, { kind: 'record' }>;
  space: 'kernel' | 'user';
}


/**
 * Compiles the expressions of one probe. Errors are recorded as diagnostics
 * in the session; a failed expression yields undefined and compilation goes
 * on with the next one, so one run reports every mistake. Inside one
 * expression, independent parts (operands, arguments, both sides of an
 * assignment) are checked on even after one fails: the failed part becomes
 * POISON, whose consequences are not reported again.
 */
export class ProbeCompiler {
  private source!: ExprSource;
  /** Strings read so far by the if:/do: item being compiled. */
  private stringReads = 0;
  /** Errors reported by the item being compiled. */
  private itemErrors = 0;

  constructor(
    private readonly session: CompileSession,
    private readonly scope: CompileScope,
    private readonly probeId: number,
  ) {}

  compileCondition(src: ExprSource): IrExpr | undefined {
    return this.attempt(src, (node) => {
      if (node.type === 'AssignmentExpression' && (node as jsep.BinaryExpression).operator === '=') {
        this.fail(node, 'assignment in a condition', 'compare with == instead of =');
      }
      return this.int(this.expr(node), node, 'a condition must be an integer (true when non-zero)');
    });
  }

  compileAction(src: ExprSource): IrStmt | undefined {
    return this.attempt(src, (node) => this.statement(node));
  }

  private attempt<T>(src: ExprSource, body: (node: ExprNode) => T): T | undefined {
    this.source = src;
    this.stringReads = 0;
    this.itemErrors = 0;
    let node: ExprNode;
    try {
      node = parseExpression(src.text);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      this.report(err.index, 1, `syntax error: ${err.message}`);
      return undefined;
    }
    try {
      const result = body(node);
      return this.itemErrors > 0 ? undefined : result;
    } catch (err) {
      if (err instanceof CompileFailure) return undefined;
      throw err;
    }
  }

  /** NODE compiled, or POISON if it failed (the failure is reported): its siblings are still checked. */
  private sub(node: ExprNode): Typed {
    try {
      return this.expr(node);
    } catch (err) {
      if (err instanceof CompileFailure) return POISON;
      throw err;
    }
  }

  // ---- statements ----------------------------------------------------------

  private statement(node: ExprNode): IrStmt {
    const line = this.lineOf(node);
    switch (node.type) {
      case 'AssignmentExpression': {
        const n = node as jsep.BinaryExpression;
        const value = n.operator === '=' ? n.right : this.desugar(n.left, n.operator.slice(0, -1), n.right);
        return this.assign(n.left as ExprNode, value as ExprNode, line);
      }
      case 'UpdateExpression': {
        const n = node as unknown as { operator: '++' | '--'; argument: ExprNode };
        const one = { type: 'Literal', value: 1n, raw: '1' } as unknown as ExprNode;
        return this.assign(n.argument, this.desugar(n.argument, n.operator[0], one), line);
      }
      case 'CallExpression':
        return this.callStatement(node as jsep.CallExpression, line);
      default:
        this.fail(node, 'this expression has no effect', 'a do: item is an assignment (x = ..., $arg = ...) or a call: log(...), backtrace(), stop()');
    }
  }

  private desugar(left: jsep.Expression, op: string, right: jsep.Expression): ExprNode {
    return { type: 'BinaryExpression', operator: op, left, right, start: (left as ExprNode).start } as ExprNode;
  }

  private assign(place: ExprNode, right: ExprNode, line: number): IrStmt {
    // The value is checked whatever is wrong with the place it is assigned to.
    const rhs = this.sub(right);
    const left = this.argsField(place) ?? place;
    if (left.type === 'MemberExpression') {
      anchorChain(left as jsep.MemberExpression & ExprNode);
      this.fail(
        left,
        'cannot write through a pointer: guru writes arguments, return values and statement-probe locals',
        'read the member here; to change what the kernel does, write an argument ($count = 1) or $return',
      );
    }
    if (left.type !== 'Identifier') {
      this.fail(left, 'only variables and target variables can be assigned', 'assign to a spec var (x = ...) or a target ($count = ...)');
    }
    const name = (left as jsep.Identifier).name;
    if (name.startsWith('$')) {
      const target = this.lookupTarget(left, name);
      if (this.scope.writesRefused) this.fail(left, `cannot write ${name}: ${this.scope.writesRefused}`, 'remove the wildcard and name one function to write at');
      if (!target.writable) {
        const why = this.scope.readOnly.get(name) ?? { message: `cannot write ${name} at ${this.scope.probeLabel}` };
        this.fail(left, why.message, why.hint);
      }
      const value = this.int(rhs, right, `${name} takes an integer`);
      const warning = this.scope.writeWarnings?.get(name);
      if (warning) this.warnAt(left, warning.message, warning.hint);
      return { k: 'setTarget', target, value, line };
    }
    const decl = this.scope.vars.find((v) => v.name === name);
    if (decl) {
      const value = this.int(rhs, right, `var ${name} is an integer (${decl.type}); strings can only be logged or compared`);
      return { k: 'setVar', id: this.scope.varIds.get(name)!, scope: decl.scope, varType: decl.type, value, line };
    }
    if (this.scope.params.some((p) => p.name === name)) {
      this.fail(left, `param ${name} is read-only in probes`, `change it while armed: guru set <module> ${name}=VALUE`);
    }
    if ((INT_BUILTINS as readonly string[]).includes(name) || (STRING_BUILTINS as readonly string[]).includes(name)) {
      this.fail(left, `${name} is a read-only builtin`, 'declare a var under vars: to keep your own state');
    }
    if (this.scope.constant(name) !== undefined) this.fail(left, `${name} is a constant`);
    this.unknownName(left, name);
  }

  private callStatement(node: jsep.CallExpression, line: number): IrStmt {
    const name = this.calleeName(node);
    switch (name) {
      case 'log':
        return this.log(node, line);
      case 'stop':
      case 'backtrace':
        if (node.arguments.length) this.fail(node, `${name}() takes no arguments`);
        return { k: name, line };
      case 'raise':
        return this.raise(node, line);
      default:
        if ((VALUE_CALLS as readonly string[]).includes(name)) {
          this.fail(node, `the value of ${name}() is unused`, `log it: log("%s", ${name}(...))`);
        }
        return this.unknownCall(node, name);
    }
  }

  /** raise(SIG): SIG a signal name from the target's headers (SIGKILL) or its number, known at check time. */
  private raise(node: jsep.CallExpression, line: number): IrStmt {
    const hint = 'raise(SIGKILL), raise(SIGTERM), raise(SIGSEGV), or a number from 1 to 64';
    const [sigNode, ...extra] = node.arguments as ExprNode[];
    if (!sigNode || extra.length) this.fail(node, 'raise() takes one signal', hint);
    if (this.scope.inTask === false) this.fail(node, `raise() at ${this.scope.probeLabel} would signal guru itself: begin and end probes run in the supervisor`, 'raise() signals the task a probe hit: put it in a probe on what that task does');
    const sig = this.int(this.sub(sigNode), sigNode, 'raise() takes a signal (an integer)');
    if (sig.k !== 'int') this.fail(sigNode, 'raise() takes a signal known when the spec is checked', hint);
    const n = Number(BigInt(sig.value));
    if (n < 1 || n > SIGNAL_MAX) this.fail(sigNode, `${n} is not a signal: they run from 1 to ${SIGNAL_MAX}`, hint);
    return { k: 'raise', sig: n, line };
  }

  private log(node: jsep.CallExpression, line: number): IrStmt {
    const [fmtNode, ...argNodes] = node.arguments as ExprNode[];
    if (!fmtNode || fmtNode.type !== 'Literal' || typeof (fmtNode as jsep.Literal).value !== 'string') {
      this.fail(fmtNode ?? node, 'log() needs a format string literal first', 'log("count:%d", $count)');
    }
    const fmt = (fmtNode as jsep.Literal).value as string;
    // The arguments are checked even when the format is wrong.
    const typed = argNodes.map((a) => this.sub(a));
    let conversions: Conversion[];
    try {
      conversions = parseLogFormat(fmt).filter((p): p is Conversion => typeof p !== 'string');
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      this.fail(fmtNode, err.message, err.hint);
    }
    if (conversions.length !== argNodes.length) {
      const msg = `log format has ${conversions.length} conversion${conversions.length === 1 ? '' : 's'} but ${argNodes.length} argument${argNodes.length === 1 ? ' follows' : 's follow'}`;
      this.fail(argNodes[conversions.length] ?? fmtNode, msg, `format: "${fmt}"`);
    }
    if (argNodes.length > LOG_MAX_ARGS) this.fail(argNodes[LOG_MAX_ARGS], `log() takes at most ${LOG_MAX_ARGS} arguments`);
    const args = argNodes.map((a, i) => {
      const t = typed[i]!;
      const want = conversionType(conversions[i]);
      if (t.type !== want && t.type !== 'error') {
        this.reportAt(a, `${conversions[i].spec} expects ${want === 'int' ? 'an integer' : 'a string'}, this is ${t.type === 'int' ? 'an integer' : 'a string'}`, want === 'string' ? 'read memory with user_string(ptr) or kernel_string(ptr), or use %d/%p' : 'use %s for strings');
      }
      return t.ir;
    });
    // One entry per log() of the spec: a probe compiled once per wildcard match shares it.
    const types = conversions.map(conversionType);
    const same = this.session.formats.find((f) => f.probe === this.probeId && f.line === line && f.fmt === fmt && f.args.join() === types.join());
    const id = same?.id ?? this.session.formats.length;
    if (!same) this.session.formats.push({ id, probe: this.probeId, fmt, args: types, line });
    return { k: 'log', format: id, args, line };
  }

  // ---- expressions ---------------------------------------------------------

  private expr(node: ExprNode): Typed {
    switch (node.type) {
      case 'Literal': {
        const v = (node as jsep.Literal).value;
        if (typeof v === 'bigint') return { ir: { k: 'int', value: BigInt.asIntN(64, v).toString() }, type: 'int' };
        if (typeof v === 'boolean') return { ir: { k: 'int', value: v ? '1' : '0' }, type: 'int' };
        if (typeof v === 'string') return { ir: { k: 'str', value: v }, type: 'string' };
        this.fail(node, `unsupported literal ${String((node as jsep.Literal).raw)}`);
        break;
      }
      case 'Identifier':
        return this.identifier(node, (node as jsep.Identifier).name);
      case 'UnaryExpression': {
        const n = node as jsep.UnaryExpression;
        const arg = this.int(this.sub(n.argument as ExprNode), n.argument as ExprNode, `unary ${n.operator} needs an integer`);
        if (n.operator === '+') return { ir: arg, type: 'int' };
        if (n.operator === '-' && arg.k === 'int') return { ir: { k: 'int', value: BigInt.asIntN(64, -BigInt(arg.value)).toString() }, type: 'int' };
        return { ir: { k: 'unary', op: n.operator as '-' | '!' | '~', arg }, type: 'int' };
      }
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression & ExprNode);
      case 'ConditionalExpression': {
        const n = node as jsep.ConditionalExpression;
        const [t, x, y] = [n.test, n.consequent, n.alternate].map((e) => this.sub(e as ExprNode));
        const test = this.int(t!, n.test as ExprNode, 'the condition of ?: must be an integer');
        const a = this.int(x!, n.consequent as ExprNode, '?: yields integers only');
        const b = this.int(y!, n.alternate as ExprNode, '?: yields integers only');
        return { ir: { k: 'cond', test, then: a, else: b }, type: 'int' };
      }
      case 'CallExpression':
        return this.valueCall(node as jsep.CallExpression & ExprNode);
      case 'MemberExpression': {
        const field = this.argsField(node);
        if (field) return this.identifier(field, (field as jsep.Identifier).name);
        return this.member(node as jsep.MemberExpression & ExprNode);
      }
      case 'AssignmentExpression':
      case 'UpdateExpression':
        this.fail(node, 'an assignment is a statement, not a value', 'put it in its own do: item');
        break;
      default:
        this.fail(node, `unsupported expression (${node.type})`);
    }
    throw new CompileFailure();
  }

  private binary(n: jsep.BinaryExpression & ExprNode): Typed {
    const op = n.operator;
    const left = this.sub(n.left as ExprNode);
    const right = this.sub(n.right as ExprNode);
    if (left.type === 'error' || right.type === 'error') return POISON;
    if ((op === '==' || op === '!=') && (left.type === 'string' || right.type === 'string')) {
      if (left.type !== right.type) this.fail(n, `cannot compare a string with an integer using ${op}`, 'both sides of a string comparison must be strings');
      return { ir: { k: 'strcmp', op, left: left.ir, right: right.ir }, type: 'int' };
    }
    const what = op === '&&' || op === '||' ? `${op} needs integer operands` : `cannot use a string with ${op}`;
    const hint = 'strings can only be compared with == and != or logged with %s';
    const l = this.int(left, n.left as ExprNode, what, hint);
    const r = this.int(right, n.right as ExprNode, what, hint);
    if (op === '&&' || op === '||') return { ir: { k: 'logical', op, left: l, right: r }, type: 'int' };
    if (!['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '<', '>', '<=', '>=', '==', '!='].includes(op)) {
      this.fail(n, `unsupported operator ${op}`);
    }
    if ((op === '/' || op === '%') && r.k === 'int' && r.value === '0') this.fail(n.right as ExprNode, 'division by zero');
    return { ir: { k: 'binary', op: op as BinaryOp, left: l, right: r, line: this.lineOf(n) }, type: 'int' };
  }

  private valueCall(node: jsep.CallExpression & ExprNode): Typed {
    const name = this.calleeName(node);
    if (name === 'user_string' || name === 'kernel_string') {
      const [addrNode, maxNode, ...extra] = node.arguments as ExprNode[];
      if (!addrNode || extra.length) this.fail(node, `${name}() takes a pointer and an optional maximum length`, `${name}($buf) or ${name}($buf, 64)`);
      const addr = this.int(this.sub(addrNode), addrNode, `${name}() takes a pointer (an integer)`);
      let max: IrExpr = { k: 'int', value: String(STRING_MAX) };
      if (maxNode) {
        max = this.int(this.sub(maxNode), maxNode, `the maximum length of ${name}() is an integer`);
        // The runtime clamps to [1, STRING_MAX]; counting the NUL, max chars + 1 bytes are read.
        max = max.k === 'int' ? { k: 'int', value: String(clampMax(BigInt(max.value) + 1n)) } : { k: 'binary', op: '+', left: max, right: { k: 'int', value: '1' }, line: this.lineOf(maxNode) };
      }
      this.takeStringSlot(node);
      return { ir: { k: 'readString', space: name === 'user_string' ? 'user' : 'kernel', addr, max, line: this.lineOf(node) }, type: 'string' };
    }
    if ((STATEMENT_CALLS as readonly string[]).includes(name)) {
      this.fail(node, `${name}() is a statement, not a value`, 'put it in its own do: item');
    }
    return this.unknownCall(node, name);
  }

  private identifier(node: ExprNode, name: string): Typed {
    if (name.startsWith('$')) {
      const target = this.lookupTarget(node, name);
      if (target.string) {
        // Text fields are strings where they are used, as in bpftrace (args->comm).
        this.takeStringSlot(node);
        const { space, max } = target.string;
        return { ir: { k: 'readString', space, addr: { k: 'target', target }, max: { k: 'int', value: String(max) }, line: this.lineOf(node) }, type: 'string' };
      }
      return { ir: { k: 'target', target }, type: 'int' };
    }
    const decl = this.scope.vars.find((v) => v.name === name);
    if (decl) return { ir: { k: 'var', id: this.scope.varIds.get(name)!, scope: decl.scope }, type: 'int' };
    const param = this.scope.params.findIndex((p) => p.name === name);
    if (param >= 0) return { ir: { k: 'param', id: param }, type: 'int' };
    if ((INT_BUILTINS as readonly string[]).includes(name)) return { ir: { k: 'builtin', name: name as IntBuiltin }, type: 'int' };
    if (name === 'probe') return { ir: { k: 'str', value: this.scope.probeLabel }, type: 'string' };
    if ((STRING_BUILTINS as readonly string[]).includes(name)) {
      this.takeStringSlot(node);
      return { ir: { k: 'strBuiltin', name: name as StringBuiltin }, type: 'string' };
    }
    const c = this.scope.constant(name);
    if (c !== undefined) return { ir: { k: 'int', value: c.toString() }, type: 'int' };
    if (LATER_CALLS[name] || (STATEMENT_CALLS as readonly string[]).includes(name) || (VALUE_CALLS as readonly string[]).includes(name)) {
      this.fail(node, `${name} is a function`, `call it: ${name}(...)`);
    }
    this.unknownName(node, name);
  }

  /**
   * bpftrace's `args->NAME` / `args.NAME` (tracepoint fields, function
   * arguments): the target variable $NAME, as an identifier at the same
   * place. Not when the spec declares a var called args.
   */
  private argsField(node: ExprNode): ExprNode | undefined {
    if (node.type !== 'MemberExpression') return undefined;
    const m = node as jsep.MemberExpression & ExprNode;
    if (m.computed || m.object.type !== 'Identifier' || (m.object as jsep.Identifier).name !== 'args' || m.property.type !== 'Identifier') return undefined;
    if (this.scope.vars.some((v) => v.name === 'args')) return undefined;
    const name = (m.property as jsep.Identifier).name;
    anchorChain(m);
    const start = (m.object as ExprNode).start ?? 0;
    const at = propertyOffset(m, this.source.text);
    // Messages about it point at all of `args->name`.
    return { type: 'Identifier', name: `$${name}`, start, spanLength: at === undefined ? undefined : at + name.length - start } as unknown as ExprNode;
  }

  // ---- member access ($file->f_pos, $file->f_path.dentry) --------------------

  /** The value of a member: an integer, a pointer (which `->` can follow), or an array's address. */
  private member(node: jsep.MemberExpression & ExprNode): Typed {
    anchorChain(node);
    const types = this.types(node);
    const place = this.memberPlace(node, types);
    const name = (node.property as jsep.Identifier).name;
    const shape = types.shape(place.typeId);
    switch (shape.kind) {
      case 'int':
        return { ir: this.load(place, shape.ctype, node), type: 'int' };
      case 'pointer':
        // Its address as an integer; a further `->` (recordBase) follows it from the member itself.
        return { ir: this.load(place, 'u64', node), type: 'int' };
      case 'array':
        // As in C, an array is its address: kernel_string($task->comm) reads it.
        return { ir: place.addr, type: 'int' };
      case 'record': {
        const names = types.memberNames(shape.id);
        this.failAtProperty(node, `${name} is a ${shape.text}, not a value`, `read one of its members: ${name}.${names[0] ?? '...'}; ${shape.text} has ${listNames(names)}`);
      }
      case 'other':
        this.failAtProperty(node, `${name} is ${shape.text}, which guru cannot read`, 'guru reads integers, pointers and strings (kernel_string(...) of a char array or pointer)');
    }
  }

  /** Where member NODE is in memory, and its type. */
  private memberPlace(node: jsep.MemberExpression & ExprNode, types: TargetTypes): Place {
    if (node.computed) this.fail(node.property as ExprNode, 'indexing with [...] is not supported', 'read members with -> or .');
    const name = (node.property as jsep.Identifier).name;
    const base = this.recordBase(node.object as ExprNode, types);
    const m = types.member(base.record.id, name);
    if (!m) {
      const names = types.memberNames(base.record.id);
      const near = nearestName(name, names);
      this.failAtProperty(node, `${base.record.text} has no member ${name}`, near ? `did you mean ${near}?` : `${base.record.text} has ${listNames(names)}`);
    }
    if (m.bitfield) this.failAtProperty(node, `${name} is a bitfield of ${base.record.text}; guru does not read bitfields`);
    return { addr: this.offsetBy(base.addr, m.offset, node), typeId: m.typeId, space: base.space };
  }

  /** The struct or union that `.`/`->` on OBJECT selects from. */
  private recordBase(object: ExprNode, types: TargetTypes): RecordBase {
    if (object.type === 'MemberExpression') {
      const inner = object as jsep.MemberExpression & ExprNode;
      const place = this.memberPlace(inner, types);
      const shape = types.shape(place.typeId);
      if (shape.kind === 'record') return { addr: place.addr, record: shape, space: place.space }; // an embedded struct
      const innerName = (inner.property as jsep.Identifier).name;
      if (shape.kind === 'pointer' && shape.to !== undefined) return this.pointee(this.load(place, 'u64', inner), shape.to, place.space, inner, innerName, types);
      this.failAtProperty(inner, `${innerName} is ${types.cType(place.typeId)}, not a struct, a union or a pointer to one`, 'member access (-> or .) reads members of structs and unions');
    }
    if (object.type === 'Identifier' && (object as jsep.Identifier).name.startsWith('$')) {
      const name = (object as jsep.Identifier).name;
      const target = this.lookupTarget(object, name);
      const value: IrExpr = { k: 'target', target };
      const info = target.typeInfo;
      if (!info) {
        if (target.access.kind === 'local') {
          this.fail(object, `member access on statement-probe locals is not supported yet (${name})`, 'probe a function that takes the struct pointer as an argument (kprobe:FUNC), where BTF types it');
        }
        this.fail(object, `${name} (${target.ctype}) is not a pointer to a struct or union`, 'member access works on struct and union pointers, e.g. $file->f_pos');
      }
      if ('pointerTo' in info) {
        const { record, name: recordName } = info.pointerTo;
        const id = types.findRecord(record, recordName);
        if (id === undefined) this.fail(object, `the kernel's BTF has no ${record} ${recordName} (${name})`);
        const shape = types.shape(id);
        if (shape.kind !== 'record') this.fail(object, `${record} ${recordName} is incomplete in the kernel's BTF (${name})`);
        return { addr: value, record: shape, space: info.space };
      }
      const shape = types.shape(info.typeId);
      if (shape.kind !== 'pointer' || shape.to === undefined) {
        this.fail(object, `${name} is ${target.ctype}, not a pointer to a struct or union`, 'member access works on struct and union pointers, e.g. $file->f_pos');
      }
      return this.pointee(value, shape.to, info.space, object, name, types);
    }
    this.fail(object, 'member access works on target variables that point to a struct or union', 'e.g. $file->f_pos or $file->f_path.dentry->d_name.name');
  }

  private pointee(addr: IrExpr, to: number, space: 'kernel' | 'user', node: ExprNode, what: string, types: TargetTypes): RecordBase {
    const shape = types.shape(to);
    if (shape.kind !== 'record') {
      const message = `${what} points to ${types.cType(to)}, not to a struct or union`;
      if (node.type === 'MemberExpression') this.failAtProperty(node as jsep.MemberExpression & ExprNode, message);
      this.fail(node, message);
    }
    return { addr, record: shape, space };
  }

  /** ADDR + OFFSET, folding the offsets of nested members into one constant. */
  private offsetBy(addr: IrExpr, offset: number, node: ExprNode): IrExpr {
    if (offset === 0) return addr;
    if (addr.k === 'binary' && addr.op === '+' && addr.right.k === 'int') {
      return { ...addr, right: { k: 'int', value: String(BigInt(addr.right.value) + BigInt(offset)) } };
    }
    return { k: 'binary', op: '+', left: addr, right: { k: 'int', value: String(offset) }, line: this.lineOf(node) };
  }

  private load(place: Place, ctype: LoadCType, node: ExprNode): IrExpr {
    return { k: 'load', space: place.space, addr: place.addr, ctype, line: this.lineOf(node) };
  }

  private types(node: ExprNode): TargetTypes {
    const types = this.scope.types?.();
    if (!types) {
      this.fail(node, 'member access needs the target kernel\'s BTF (its type information), and guru found none', 'guru doctor shows where guru looks; guru kernel add debian:6.1 stores a kernel image that carries BTF');
    }
    return types;
  }

  /** Fail pointing at the member name of NODE (jsep records no position for it; find it after the object). */
  private failAtProperty(node: jsep.MemberExpression & ExprNode, message: string, hint?: string): never {
    const name = (node.property as jsep.Identifier).name;
    const at = propertyOffset(node, this.source.text);
    if (at === undefined) this.fail(node, message, hint);
    this.report(at, name.length, message, hint);
    throw new CompileFailure();
  }

  /** Count a string read; the generated C has buffers for STRING_SLOTS of them per item. */
  private takeStringSlot(node: ExprNode): void {
    if (++this.stringReads <= STRING_SLOTS) return;
    this.fail(
      node,
      `too many strings in one expression: this is string ${this.stringReads}, at most ${STRING_SLOTS} are read per if: or do: item`,
      'split the work over several do: items (keep results in vars), or match task names in where: comm: [...]',
    );
  }

  private lookupTarget(node: ExprNode, name: string): TargetVar {
    const t = this.scope.targets.get(name);
    if (t) return t;
    const why = this.scope.unavailableTargets.get(name);
    if (why) this.fail(node, why.message, why.hint);
    const names = [...this.scope.targets.keys()];
    const near = nearestName(name, names);
    // List each variable once: positional aliases only where nothing has a name.
    const named = names.filter((n) => !/^\$arg\d$/.test(n));
    const shown = named.length ? named : names;
    const list = names.length ? `available at ${this.scope.probeLabel}: ${shown.join(', ')}` : `${this.scope.probeLabel} has no target variables`;
    const note = this.scope.unknownTargetNote ? `; ${this.scope.unknownTargetNote}` : '';
    this.fail(node, `unknown target variable ${name} at ${this.scope.probeLabel}`, (near ? `did you mean ${near}? ${list}` : list) + note);
  }

  private unknownName(node: ExprNode, name: string): never {
    const candidates = [
      ...this.scope.vars.map((v) => v.name),
      ...this.scope.params.map((p) => p.name),
      ...INT_BUILTINS,
      ...STRING_BUILTINS,
    ];
    const near = nearestName(name, candidates) ?? nearestName(name, this.scope.constantNames());
    const declared = this.scope.vars.length ? `vars: ${this.scope.vars.map((v) => v.name).join(', ')}` : 'declare it under vars:';
    this.fail(node, `unknown name ${name}`, near ? `did you mean ${near}?` : `${declared}; builtins: ${[...INT_BUILTINS, ...STRING_BUILTINS].join(' ')}; target variables start with $`);
  }

  private unknownCall(node: jsep.CallExpression, name: string): never {
    if (LATER_CALLS[name]) this.fail(node, LATER_CALLS[name]);
    const all = [...STATEMENT_CALLS, ...VALUE_CALLS];
    const near = nearestName(name, all);
    this.fail(node, `unknown function ${name}()`, near ? `did you mean ${near}()? functions: ${all.join(' ')}` : `functions: ${all.join(' ')}`);
  }

  private calleeName(node: jsep.CallExpression): string {
    if (node.callee.type !== 'Identifier') this.fail(node, 'only named functions can be called', 'log(...), user_string(...), ...');
    return (node.callee as jsep.Identifier).name;
  }

  private int(t: Typed, node: ExprNode, message: string, hint?: string): IrExpr {
    if (t.type === 'string') this.fail(node, message, hint ?? 'strings can only be compared with == and != or logged with %s');
    return t.ir;
  }

  // ---- diagnostics ---------------------------------------------------------

  private fail(node: jsep.Expression, message: string, hint?: string): never {
    this.reportAt(node, message, hint);
    throw new CompileFailure();
  }

  /** Report a mistake at NODE and go on checking the rest of the item (which then yields nothing). */
  private reportAt(node: jsep.Expression, message: string, hint?: string): void {
    const n = node as ExprNode;
    const length =
      (n as { spanLength?: number }).spanLength ??
      (n.type === 'Identifier'
        ? (n as jsep.Identifier).name.length
        : n.type === 'Literal'
          ? String((n as jsep.Literal).raw).length
          : n.type === 'CallExpression' && (n as jsep.CallExpression).callee.type === 'Identifier'
            ? ((n as jsep.CallExpression).callee as jsep.Identifier).name.length
            : 1);
    this.report(n.start ?? 0, length, message, hint);
  }

  private report(offset: number, length: number, message: string, hint?: string): void {
    this.itemErrors++;
    this.session.diagnostics.push({ severity: 'error', message, hint, span: this.spanAt(offset, length) });
  }

  /** A warning at NODE: printed, and the spec is still accepted. */
  private warnAt(node: jsep.Expression, message: string, hint?: string): void {
    const span = this.spanAt((node as ExprNode).start ?? 0, node.type === 'Identifier' ? (node as jsep.Identifier).name.length : 1);
    this.session.diagnostics.push(hint === undefined ? { severity: 'warning', message, span } : { severity: 'warning', message, hint, span });
  }

  private spanAt(offset: number, length: number): SourceSpan {
    return spanInExpr(this.source, offset, length);
  }

  private lineOf(node: jsep.Expression): number {
    return this.spanAt((node as ExprNode).start ?? 0, 1).line;
  }
}

function clampMax(v: bigint): number {
  return Number(v < 1n ? 1n : v > BigInt(STRING_MAX) ? BigInt(STRING_MAX) : v);
}


/** "members a, b, c, ..." for hints, short. */
function listNames(names: string[]): string {
  if (names.length === 0) return 'no named members';
  return `members ${names.slice(0, 10).join(', ')}${names.length > 10 ? `, ... (${names.length} in all)` : ''}`;
}

/**
 * Offset of NODE's member name in the expression text: after its object,
 * past `.`, `->` and spaces. Known when the chain is made of identifiers,
 * which is all member access allows.
 */
function propertyOffset(node: jsep.MemberExpression & ExprNode, text: string): number | undefined {
  const end = (n: ExprNode): number | undefined => {
    if (n.type === 'Identifier') return n.start === undefined ? undefined : n.start + (n as jsep.Identifier).name.length;
    if (n.type === 'MemberExpression') {
      const m = n as jsep.MemberExpression & ExprNode;
      const at = propertyOffset(m, text);
      return at === undefined ? undefined : at + (m.property as jsep.Identifier).name.length;
    }
    return undefined;
  };
  let i = end(node.object as ExprNode);
  if (i === undefined) return undefined;
  while (i < text.length && /[\s.\->]/.test(text[i]!)) i++;
  return text.startsWith((node.property as jsep.Identifier).name, i) ? i : undefined;
}

/**
 * jsep gives a position to the whole `$a->b.c` token only; give it to the
 * identifier it starts with too, so messages about `$a` point at it.
 */
function anchorChain(node: jsep.MemberExpression & ExprNode): void {
  let inner: ExprNode = node;
  while (inner.type === 'MemberExpression') inner = (inner as jsep.MemberExpression).object as ExprNode;
  if (inner.start === undefined) inner.start = node.start;
}
