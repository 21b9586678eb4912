// The expression compiler: jsep trees → typed IR, with every check the
// language promises done here, at check time, so that a spec guru accepts
// always compiles: names resolve, types agree, writes are allowed where they
// happen, log() formats match their arguments. SystemTap's and bpftrace's
// words (words.ts) compile here too, by the rules their table names.
import type jsep from 'jsep';
import type { Diagnostic, SourceSpan } from '../diagnostics/diagnostic.js';
import { nearestName } from '../diagnostics/nearestName.js';
import type { ExprSource, ParamDecl, VarDecl } from '../patchSpec/types.js';
import type { HandlerContext } from './handlerContext.js';
import { spanInExpr } from '../patchSpec/exprSpan.js';
import { EXTRACTOR_MARK, ExpressionSyntaxError, parseExpression, type ExprNode } from './parseExpression.js';
import type { BinaryOp, IntBuiltin, IrExpr, IrStmt, LoadCType, StringBuiltin, TargetVar, ValueType } from './ir.js';
import type { FunctionPrototype, TargetTypes, TypeShape } from './targetTypes.js';
import { conversionType, FormatError, parseLogFormat, type Conversion } from './logFormat.js';
import type { LogArg, StackStyle, UserStackStyle } from './logArg.js';
import { contextTargets, contextVars, isCharPointer, pointerSpace, prettyTarget, quotedString, syscallArgstr, textValue, type ContextVarSet, type TextValue } from './textValues.js';
import { lookupWord, wordSpelling, wordSpellings, type Word, type WordRule } from './words.js';
import { AGG_FUNCTIONS, AGG_KEY_MAX, COMM_KEY_SIZE, keyBytes, LHIST_MAX_BUCKETS, lhistBuckets, STRING_KEY_SIZE, type AggKeyPart, type AggKind, type LhistBounds } from './aggregates.js';
import { MapRegistry, type ExtractorUse } from './mapRegistry.js';
import { STAP_EXTRACTORS, type StapExtract, type StapExtractor } from './logArg.js';
import { KERNEL_CALLS, kernelCallEntry } from './kernelCalls.js';
import type { KernelCallEntry } from './kernelCallTypes.js';

export const INT_BUILTINS: readonly IntBuiltin[] = ['pid', 'tid', 'ppid', 'uid', 'gid', 'euid', 'cpu', 'nsecs'];
export const STRING_BUILTINS: readonly (StringBuiltin | 'probe')[] = ['comm', 'func', 'probe'];
/** Builtins about the current task: meaningless where a handler runs for no task (timers). */
const TASK_BUILTINS: readonly string[] = ['pid', 'tid', 'ppid', 'uid', 'gid', 'euid'];
export const STATEMENT_CALLS = ['log', 'stop', 'backtrace', 'raise'] as const;
/** Signal numbers raise() takes (the kernel's _NSIG is 64 on x86-64). */
const SIGNAL_MAX = 64;
export const VALUE_CALLS = ['user_string', 'kernel_string'] as const;
/** Named in the spec language (docs/spec.md) but not built yet: refused with a clear message, never stubbed. */
const LATER_CALLS: Record<string, string> = {};

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
/** bpftrace's str() default: 64 bytes with the NUL (BPFTRACE_STRLEN). */
export const STR_DEFAULT_MAX = 64;
/** Most kernel stack frames one record keeps (GURU_STACK_MAX in kmod). */
export const STACK_MAX = 31;
/** The C type of a raw argument register (bpftrace's arg0). */
const REGISTER_LONG = 'long';

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
  /** Whether the constant's C type is 64-bit unsigned (KernelFacts.constantUnsigned). */
  constantUnsigned?: (name: string) => boolean;
  constantNames: () => string[];
  /** Where the handler runs (ProbeFamily.context): task builtins mean the supervisor at begin/end, nothing at timers. */
  context?: HandlerContext;
  /**
   * The target kernel's types (BTF), for member access; undefined when
   * there are none. Called only when a spec uses member access: loading
   * BTF takes a few hundred milliseconds.
   */
  types?: () => TargetTypes | undefined;
  /** The probe's placement, for words whose meaning depends on it (SystemTap's name and argstr at a syscall). */
  point?: { kind: string; offset?: number; syscall?: string };
  /** What bpftrace's arg0 ... arg5 are here, as the probe's family says (ProbeFamily.rawArgs); unset: nothing. */
  rawArgs?: RawArgs;
  /** Why the kernel stack means nothing here (ProbeFamily.kernelStackRefused: uprobes); unset: it is the probed code's. */
  kernelStackRefused?: { message: string; hint: string };
  /** Where caller() and caller_addr() find the return address (ProbeFamily.callerAt); unset: there is none here. */
  caller?: CallerPlace;
  /** Whether the target exports kernel function NAME to modules (its Module.symvers); undefined when unknown. */
  exported?: (name: string) => boolean | undefined;
}

/**
 * bpftrace's arg0 ... arg5 at a probe: the raw argument registers, read
 * through ACCESS (at entry, or as saved at entry for a return probe); or
 * `unknown` where the arguments are not in their registers (why: $arg1's
 * unavailable reason); or `named` where the arguments have names instead.
 */
export type RawArgs = { access: 'kernelArg' | 'savedKernelArg' } | 'unknown' | 'named';

/** The stack pointer at the probe (kernel or user, as the handler's regs are), where a function's entry finds its return address. */
const STACK_POINTER: TargetVar = { name: 'the stack pointer', ctype: 'unsigned long', access: { kind: 'c', c: 'ctx->regs->sp' }, writable: false };

/**
 * Whether SystemTap's caller() and caller_addr() mean something at a probe:
 * at a function's entry (a kprobe at offset 0, a uprobe on a function) the
 * word at the stack pointer is the return address into the caller, in
 * kernel or user memory; elsewhere (returns, lines inside a function,
 * tracepoints, timers) nothing on the stack says who called, and why.
 */
export type CallerPlace = { space: 'kernel' | 'user' } | { message: string; hint: string };

export interface LogFormatEntry {
  id: number;
  probe: number;
  fmt: string;
  /** What each argument carries and how it is shown (older modules: 'int' and 'string' only). */
  args: LogArg[];
  line: number;
  /** printf(): printed exactly as formatted; otherwise (log()) the text is one line, ending in a newline. */
  exact?: true;
}

/** What the compiles of one spec's probes add to the plan besides IR. */
export interface SharedOutputs {
  /** errno value → name (2 → ENOENT), from the target's headers, once a probe shows a return code. */
  errnoNames?: Record<string, string>;
  /** Thread variables the spec did not declare: SystemTap's thread_indent() keeps its indent, start time and clock reading in three. */
  hiddenVars: HiddenVar[];
  /** The maps the probes use (count("key") counters, @name[key] = count()), in order of first use. */
  maps: MapRegistry;
  /** Maps print() and clear() name, checked against maps once every probe has compiled. */
  mapRefs: { name: string; span: SourceSpan; op: 'print' | 'clear' }[];
  /** SystemTap's extractors (@count(x), ...), checked against the maps once every probe has compiled. */
  extractors: (ExtractorUse & { span: SourceSpan })[];
}

/** Shared by all probes of one spec: diagnostics (a DiagnosticBag's list), the log format table, errno names for returnstr(). */
export class CompileSession {
  constructor(
    readonly diagnostics: Diagnostic[] = [],
    readonly formats: LogFormatEntry[] = [],
    /** Shared by every compile of the spec's probes (each wildcard match is compiled on its own). */
    readonly shared: SharedOutputs = { hiddenVars: [], maps: new MapRegistry(), mapRefs: [], extractors: [] },
  ) {}
}

/** A thread variable of guru's own, appended to the plan's vars. */
export interface HiddenVar {
  name: string;
  type: 's64';
  scope: 'thread';
  id: number;
}

/** Names the kernel defines as another errno's value: the first name shows. */
const ERRNO_ALIASES = new Set(['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP']);

class CompileFailure extends Error {}

/** Why text (a stack, argstr, $$vars, returnstr(), sprintf()) only prints. */
const TEXT_HINT = 'a stack, argstr, $$vars, returnstr() or sprintf() is shown when printed: pass it to printf("%s", ...) or log()';

/** Which memory str() reads: user memory for a `__user` pointer target, else chosen by the address at run time. */
function spaceOf(addr: IrExpr): 'user' | 'any' {
  return addr.k === 'target' && pointerSpace(addr.target) === 'user' ? 'user' : 'any';
}

/** How a compiled value travels in a log record. */
function logArgOf(t: Typed): LogArg {
  if (t.ir.k === 'text') return t.ir.arg;
  return t.type === 'int' ? 'int' : 'string';
}

/**
 * A literal or constant: its 64-bit value, unsigned when it is above
 * S64_MAX as C's 0xffffffffffffffff is, or when its C type is a 64-bit
 * unsigned one as a header's `8UL` is (unsignedness.ts).
 */
function intConstant(v: bigint, unsigned64 = false): IrExpr {
  const value = BigInt.asIntN(64, v).toString();
  return unsigned64 || v > (1n << 63n) - 1n ? { k: 'int', value, unsigned: true } : { k: 'int', value };
}

interface Typed {
  ir: IrExpr;
  /** 'error': a part that failed to compile (already reported); checks on it are skipped, so one mistake is reported once. */
  type: ValueType | 'error';
}

/**
 * Whether a BTF prototype has the types of the C declaration DECL (an
 * allow-list entry's `void key_put(struct key *key)`): the return type and
 * each parameter's, whatever the parameters are called.
 */
function sameTypes(proto: FunctionPrototype, decl: string): boolean {
  const spaced = (c: string) => c.replace(/\s+/g, ' ').replace(/ \*/g, '*').trim();
  const m = /^(.*?)\b[A-Za-z_][A-Za-z0-9_]*\s*\((.*)\)$/.exec(decl.trim());
  if (!m) return false;
  const params = m[2]!.trim() === 'void' ? [] : m[2]!.split(',').map((p) => p.trim().replace(/[A-Za-z_][A-Za-z0-9_]*$/, ''));
  return (
    !proto.variadic &&
    spaced(m[1]!) === spaced(proto.returns) &&
    params.length === proto.params.length &&
    params.every((p, i) => spaced(p) === spaced(proto.params[i]!.cType))
  );
}

/** What a failed subexpression compiles to while the rest of its item is still checked. */
const POISON: Typed = { ir: { k: 'int', value: '0' }, type: 'error' };

/** Memory that member access reached: where it is and its type (not read yet). */
interface Place {
  addr: IrExpr;
  typeId: number;
  space: 'kernel' | 'user';
  /**
   * Set (and typeId -1) for an element of a target BTF does not type (a
   * syscall's `const char __user *const __user *argv`): its C type, from
   * the target's C type text.
   */
  elemText?: string;
}

/** What `[...]` indexes: the first element's address, and the element's type. */
interface IndexBase {
  addr: IrExpr;
  space: 'kernel' | 'user';
  /** The element's BTF type, or (elemText) its C type text. */
  elem: number;
  elemText?: string;
  /** A fixed array's length (bounds of a constant index); undefined for a pointer or a flexible array. */
  length?: number;
  what: string;
}

/** The C type a pointer of C type text TEXT points to (`const char __user *`), or undefined if TEXT is no pointer. */
function pointeeText(text: string): string | undefined {
  const m = /^(.*)\*\s*(?:(?:const|volatile|restrict|__user)\s*)*$/.exec(text.trim());
  return m ? m[1]!.trim() : undefined;
}

/** How an integer of C type text TEXT is read (x86-64: char is signed); undefined for anything else. */
function intLoadOfText(text: string): LoadCType | undefined {
  const bare = text.replace(/\b(const|volatile|__user|int(?=\s*$)(?<=(short|long)\s+int))\b/g, '').replace(/\s+/g, ' ').trim();
  const table: Record<string, LoadCType> = {
    char: 's8', 'signed char': 's8', 'unsigned char': 'u8', u8: 'u8', s8: 's8', __u8: 'u8', __s8: 's8',
    short: 's16', 'unsigned short': 'u16', u16: 'u16', s16: 's16', __u16: 'u16', __s16: 's16',
    int: 's32', 'signed int': 's32', unsigned: 'u32', 'unsigned int': 'u32', u32: 'u32', s32: 's32', __u32: 'u32', __s32: 's32', pid_t: 's32',
    long: 's64', 'long long': 's64', 'unsigned long': 'u64', 'unsigned long long': 'u64', u64: 'u64', s64: 's64', __u64: 'u64', __s64: 's64', size_t: 'u64', ssize_t: 's64', loff_t: 's64',
  };
  return table[bare];
}

const LOAD_BYTES: Record<LoadCType, number> = { s8: 1, u8: 1, s16: 2, u16: 2, s32: 4, u32: 4, s64: 8, u64: 8 };

/** A member's name for messages; an element is its array's or pointer's name and `[...]` (comm[...]). */
function memberLabel(node: jsep.MemberExpression): string {
  if (!node.computed) return (node.property as jsep.Identifier).name;
  const o = node.object as ExprNode;
  const of = o.type === 'MemberExpression' ? memberLabel(o as jsep.MemberExpression) : o.type === 'Identifier' ? (o as jsep.Identifier).name : 'the element';
  return `${of}[...]`;
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
  /** Whether the item is an if: condition (where nothing may change state). */
  private inCondition = false;
  /** Statements the do: item being compiled needs run first (thread_indent()'s update). */
  private before: IrStmt[] = [];

  constructor(
    private readonly session: CompileSession,
    private readonly scope: CompileScope,
    private readonly probeId: number,
  ) {}

  compileCondition(src: ExprSource): IrExpr | undefined {
    this.inCondition = true;
    return this.attempt(src, (node) => {
      if (node.type === 'AssignmentExpression' && (node as jsep.BinaryExpression).operator === '=') {
        this.fail(node, 'assignment in a condition', 'compare with == instead of =');
      }
      return this.int(this.expr(node), node, 'a condition must be an integer (true when non-zero)');
    });
  }

  compileAction(src: ExprSource): IrStmt | undefined {
    this.inCondition = false;
    return this.attempt(src, (node) => {
      this.before = [];
      const stmt = this.statement(node);
      // Words with state (thread_indent()) update it before the statement that shows it.
      return this.before.length ? { k: 'block', stmts: [...this.before, stmt], line: stmt.line } : stmt;
    });
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
        if (mapReference(n.left as ExprNode)) return this.mapAssign(n, line);
        this.notStapAssign(n.left as ExprNode);
        const value = n.operator === '=' ? n.right : this.desugar(n.left, n.operator.slice(0, -1), n.right);
        return this.assign(n.left as ExprNode, value as ExprNode, line);
      }
      case 'UpdateExpression': {
        const n = node as unknown as { operator: '++' | '--'; argument: ExprNode };
        const map = mapReference(n.argument);
        if (map) this.fail(n.argument, `${map.name}${n.operator} is not how a map counts`, `write ${map.written} = count()`);
        this.notStapAssign(n.argument);
        const one = { type: 'Literal', value: 1n, raw: '1' } as unknown as ExprNode;
        return this.assign(n.argument, this.desugar(n.argument, n.operator[0], one), line);
      }
      case 'CallExpression':
        return this.callStatement(node as jsep.CallExpression, line);
      case 'BinaryExpression':
        if ((node as jsep.BinaryExpression).operator === '<<<') return this.stapAdd(node as jsep.BinaryExpression & ExprNode, line);
        this.fail(node, 'this expression has no effect', 'a do: item is an assignment (x = ..., $arg = ...) or a call: log(...), printf(...), backtrace(), stop()');
        break;
      default:
        this.fail(node, 'this expression has no effect', 'a do: item is an assignment (x = ..., $arg = ...) or a call: log(...), printf(...), backtrace(), stop()');
    }
  }

  private desugar(left: jsep.Expression, op: string, right: jsep.Expression): ExprNode {
    return { type: 'BinaryExpression', operator: op, left, right, start: (left as ExprNode).start } as ExprNode;
  }

  private assign(place: ExprNode, right: ExprNode, line: number): IrStmt {
    // The value is checked whatever is wrong with the place it is assigned to.
    const rhs = this.sub(right);
    const left = this.argsField(place) ?? place;
    if (left.type === 'MemberExpression') return this.store(left as jsep.MemberExpression & ExprNode, rhs, right, line);
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
      if (decl.scope === 'thread') this.threadVarHere(left, name);
      const value = this.int(rhs, right, `var ${name} is an integer (${decl.type}); strings can only be logged or compared`);
      return { k: 'setVar', id: this.scope.varIds.get(name)!, scope: decl.scope, varType: decl.type, value, line };
    }
    if (this.scope.params.some((p) => p.name === name)) {
      this.fail(left, `param ${name} is read-only in probes`, `change it while armed: guru set <module> ${name}=VALUE`);
    }
    if ((INT_BUILTINS as readonly string[]).includes(name) || (STRING_BUILTINS as readonly string[]).includes(name)) {
      this.fail(left, `${name} is a read-only builtin`, 'declare a var under vars: to keep your own state');
    }
    if (this.scope.constant(name) !== undefined || name === 'NULL') this.fail(left, `${name} is a constant`);
    this.unknownName(left, name);
  }

  /**
   * A write through a typed pointer ($file->f_pos = 0, $skb->len |= 1): one
   * store of the member's width, through the runtime's fault-tolerant
   * writer, so a bad pointer is a fault event, never an oops.
   */
  private store(node: jsep.MemberExpression & ExprNode, rhs: Typed, right: ExprNode, line: number): IrStmt {
    anchorChain(node);
    const member = (this.argsMember(node) ?? node) as jsep.MemberExpression & ExprNode;
    const name = memberLabel(member);
    if (this.scope.writesRefused) this.failAtProperty(member, `cannot write ${name}: ${this.scope.writesRefused}`, 'remove the wildcard and name one function to write at');
    const types = this.types(member);
    const place = this.memberPlace(member, types);
    if (place.elemText !== undefined) {
      if (place.space === 'user') this.failAtProperty(member, `${name} is in user memory; guru writes kernel memory through pointers`, "write the syscall's arguments ($count = 1) or $return instead");
      const value = this.int(rhs, right, `${name} takes an integer`);
      return { k: 'store', space: 'kernel', addr: place.addr, ctype: this.textLoad(place.elemText, member), value, line };
    }
    const shape = types.shape(place.typeId);
    if (shape.kind !== 'int' && shape.kind !== 'pointer') {
      this.failAtProperty(member, `${name} is ${types.cType(place.typeId)}; guru writes integer and pointer members`, shape.kind === 'record' ? `write one of its members: ${name}.${types.memberNames(shape.id)[0] ?? '...'}` : undefined);
    }
    if (place.space === 'user') {
      this.failAtProperty(member, `${name} is in user memory; guru writes kernel memory through pointers`, "write the syscall's arguments ($count = 1) or $return instead");
    }
    const value = this.int(rhs, right, `${name} takes an integer`);
    return { k: 'store', space: 'kernel', addr: place.addr, ctype: shape.kind === 'int' ? shape.ctype : 'u64', value, line };
  }

  private callStatement(node: jsep.CallExpression, line: number): IrStmt {
    const name = this.calleeName(node);
    switch (name) {
      case 'log':
        return this.log(node, line);
      case 'backtrace':
        this.kernelStackHere(node, 'backtrace()');
        if (node.arguments.length) this.fail(node, 'backtrace() takes no arguments');
        return { k: name, line };
      case 'ubacktrace':
        return this.ubacktraceStatement(node, line);
      case 'stop':
        if (node.arguments.length) this.fail(node, `${name}() takes no arguments`);
        return { k: name, line };
      case 'raise':
        return this.raise(node, line);
      case 'count':
        return this.counter(node as jsep.CallExpression & ExprNode, line);
      default: {
        const [first] = node.arguments as ExprNode[];
        if (name.startsWith(EXTRACTOR_MARK)) {
          this.knownExtractor(node as ExprNode, name);
          this.fail(node, `@${name.slice(1)}() is a value, not a statement`, `print it: printf("%d\\n", @${name.slice(1)}(x)), or print(@hist_log(x))`);
        }
        if (name === 'print' && first && isExtractorCall(first)) return this.printExtractor(node, line);
        if ((name === 'print' || name === 'clear') && first && mapReference(first)) return this.mapOp(node, name, line);
        if ((name === 'zero' || name === 'delete') && first && mapReference(first)) {
          const map = mapReference(first)!.name;
          const what = name === 'zero' ? `zero(${map}) (zeroing values, keeping keys)` : 'delete() (removing one key)';
          this.fail(node, `${what} is not supported`, `clear(${map}) empties the whole map`);
        }
        if ((AGG_FUNCTIONS as readonly string[]).includes(name)) {
          this.fail(node, `${name}() is the value of a map, not a statement`, `assign it to one: @name = ${name}(${name === 'count' ? '' : 'x'}), or @name[key] = ...`);
        }
        if (mapReference(node as ExprNode)) this.fail(node, 'a map by itself does nothing', 'assign it an aggregate: @name[key] = count()');
        if ((VALUE_CALLS as readonly string[]).includes(name)) {
          this.fail(node, `the value of ${name}() is unused`, `log it: log("%s", ${name}(...))`);
        }
        const entry = kernelCallEntry(name);
        if (entry) return this.kernelCall(node as jsep.CallExpression & ExprNode, entry, line);
        const word = lookupWord(name, 'call');
        if (word) return this.wordStatement(node as jsep.CallExpression & ExprNode, word, line);
        return this.unknownCall(node, name);
      }
    }
  }

  /**
   * print(@x), print(@x, N) and clear(@x), bpftrace's: done by the
   * supervisor when their record comes (kmod/guru_runtime.h, GURU_REC_MAP).
   * The map may be filled by a probe that comes later in the spec, so the
   * name is kept and checked once every probe has compiled (buildPlan).
   */
  private mapOp(node: jsep.CallExpression, op: 'print' | 'clear', line: number): IrStmt {
    const [mapNode, topNode, ...extra] = node.arguments as ExprNode[];
    const ref = mapReference(mapNode!)!;
    if (ref.keys.length) this.fail(mapNode!, `${op}() takes a whole map: ${ref.name}, not ${ref.written}`, `${op}(${ref.name})`);
    if (op === 'clear' && topNode) this.fail(topNode, 'clear() takes only the map', `clear(${ref.name})`);
    if (extra.length) this.fail(extra[0]!, 'print() takes a map and at most how many of its keys to show', `print(${ref.name}) or print(${ref.name}, 10)`);
    let top = 0;
    if (topNode) {
      const t = this.int(this.sub(topNode), topNode, 'print(@x, N) takes a number of keys');
      const n = t.k === 'int' ? BigInt(t.value) : -1n;
      if (n < 1n || n > 0xffffffffn) this.fail(topNode, 'print(@x, N) takes a number of keys known when the spec is checked, from 1', `print(${ref.name}, 10): its 10 largest keys`);
      top = Number(n);
    }
    this.session.shared.mapRefs.push({ name: ref.name, span: this.spanAt(mapNode!.start ?? 0, ref.name.length), op });
    return { k: 'mapOp', op, map: ref.name, top, line };
  }

  /** raise(SIG): SIG a signal name from the target's headers (SIGKILL) or its number, known at check time. */
  private raise(node: jsep.CallExpression, line: number): IrStmt {
    const hint = 'raise(SIGKILL), raise(SIGTERM), raise(SIGSEGV), or a number from 1 to 64';
    const [sigNode, ...extra] = node.arguments as ExprNode[];
    if (!sigNode || extra.length) this.fail(node, 'raise() takes one signal', hint);
    if (this.scope.context === 'supervisor') this.fail(node, `raise() at ${this.scope.probeLabel} would signal guru itself: begin and end probes run in the supervisor`, 'raise() signals the task a probe hit: put it in a probe on what that task does');
    this.taskHere(node, 'raise()', 'raise() signals the task a probe hit: put it in a probe on what that task does');
    const sig = this.int(this.sub(sigNode), sigNode, 'raise() takes a signal (an integer)');
    if (sig.k !== 'int') this.fail(sigNode, 'raise() takes a signal known when the spec is checked', hint);
    const n = Number(BigInt(sig.value));
    if (n < 1 || n > SIGNAL_MAX) this.fail(sigNode, `${n} is not a signal: they run from 1 to ${SIGNAL_MAX}`, hint);
    return { k: 'raise', sig: n, line };
  }

  /**
   * A kernel function of guru's allow-list (kernelCalls.ts), checked here
   * against the probe's kind, the target's BTF prototype and exports, and
   * each argument against its parameter.
   */
  private kernelCall(node: jsep.CallExpression & ExprNode, entry: KernelCallEntry, line: number): IrStmt {
    const kind = this.scope.point?.kind;
    if (entry.context === 'sleeps') this.fail(node, `${entry.name}() cannot be called at ${this.scope.probeLabel}: ${entry.refusedWhy}`, entry.hint);
    if (!kind || !(entry.kinds as readonly string[]).includes(kind)) {
      this.fail(node, `${entry.name}() cannot be called at ${this.scope.probeLabel}, only at ${entry.kinds.join(', ')} probes: ${entry.refusedWhy}`, entry.hint);
    }
    const types = this.scope.types?.();
    const proto = types?.functionPrototype?.(entry.name);
    if (!types || !proto) this.fail(node, `${entry.name}() needs the target kernel's BTF prototype of ${entry.name}, and guru found ${types ? 'none for it' : 'no BTF'}`, 'guru doctor shows where guru looks for BTF');
    if (!sameTypes(proto, entry.prototype)) {
      this.fail(node, `${entry.name} is \`${proto.declaration}\` in this kernel's BTF, not \`${entry.prototype}\` as guru's allow-list has it`, `guru's entry (src/expr/kernelCalls.ts) was reviewed for ${entry.prototype}: what the function does on this kernel must be checked before the entry takes its prototype`);
    }
    if (this.scope.exported?.(entry.name) === false) this.fail(node, `${entry.name} is not exported to modules by this kernel (its Module.symvers)`, 'a module can only call exported functions');
    const argNodes = node.arguments as ExprNode[];
    if (argNodes.length !== proto.params.length) {
      this.fail(argNodes[proto.params.length] ?? node, `${entry.name}() takes ${proto.params.length} argument${proto.params.length === 1 ? '' : 's'}, not ${argNodes.length}: ${entry.prototype}`, entry.hint);
    }
    const args = argNodes.map((a, i) => this.kernelCallArg(a, i, entry, proto.params[i]!, types));
    const pinTasks = (entry.pinTasks ?? []).reduce((bits, i) => bits | (1 << i), 0);
    return { k: 'kernelCall', name: entry.name, prototype: entry.prototype, args, pinTasks, line };
  }

  /** Argument I of a kernel call, as its parameter PARAM takes it: a pointer of the parameter's type, or an integer. */
  private kernelCallArg(node: ExprNode, i: number, entry: KernelCallEntry, param: { name: string; typeId: number; cType: string }, types: TargetTypes): { value: IrExpr; ctype: string } {
    const what = `argument ${i + 1} of ${entry.name}() (${param.cType}${param.cType.endsWith('*') ? '' : ' '}${param.name})`;
    const shape = types.shape(param.typeId);
    if (shape.kind === 'pointer') {
      const typed = this.typedPointer(node, types);
      const bare = (c: string) => c.replace(/\b(const|volatile)\b/g, '').replace(/\s+/g, ' ').replace(/ \*/g, '*').trim();
      if (!typed) this.fail(node, `${what} is a pointer: pass one whose type guru knows`, `a target variable ($${param.name}), a member ($p->${param.name}), current, or @cast(ADDR, "${param.cType.replace(/\s*\*$/, '')}")`);
      if (typed.space === 'user') this.fail(node, `${what} points to kernel memory, and this pointer is a user-space one`, entry.hint);
      if (bare(typed.cType) !== bare(param.cType)) this.fail(node, `${what} takes ${param.cType}, not ${typed.cType}`, entry.hint);
      return { value: typed.value, ctype: param.cType };
    }
    if (shape.kind !== 'int') this.fail(node, `${what} is neither an integer nor a pointer; guru cannot pass it`, entry.hint);
    const value = this.int(this.sub(node), node, `${what} is an integer`);
    const constant = entry.constantArgs?.[i];
    if (constant) {
      if (value.k !== 'int') this.fail(node, `${what} must be known when the spec is checked: ${constant.what}`, entry.hint);
      const n = BigInt(value.value);
      if (n < BigInt(constant.min) || n > BigInt(constant.max)) this.fail(node, `${n} is not ${constant.what}: ${constant.min} to ${constant.max}`, entry.hint);
    }
    return { value, ctype: param.cType };
  }

  /** NODE as a pointer of a type the target's BTF names: a typed target, a pointer member, current, or @cast(ADDR, "T"). */
  private typedPointer(node: ExprNode, types: TargetTypes): { value: IrExpr; cType: string; space: 'kernel' | 'user' } | undefined {
    if (this.isCurrentTask(node)) return { value: { k: 'builtin', name: 'task' }, cType: 'struct task_struct *', space: 'kernel' };
    if (node.type === 'CallExpression' && (node as jsep.CallExpression).callee.type === 'Identifier' && ((node as jsep.CallExpression).callee as jsep.Identifier).name === '@cast') {
      const base = this.castBase(node as jsep.CallExpression & ExprNode, types);
      return { value: base.addr, cType: `${base.record.text} *`, space: base.space };
    }
    if (node.type === 'Identifier' && (node as jsep.Identifier).name.startsWith('$')) {
      const target = this.lookupTarget(node, (node as jsep.Identifier).name);
      const info = target.typeInfo;
      if (!info) return undefined;
      const cType = 'pointerTo' in info ? `${info.pointerTo.record} ${info.pointerTo.name} *` : types.cType(info.typeId);
      if ('typeId' in info && types.shape(info.typeId).kind !== 'pointer') return undefined;
      return { value: { k: 'target', target }, cType, space: info.space };
    }
    if (node.type === 'MemberExpression') {
      anchorChain(node as jsep.MemberExpression & ExprNode);
      const member = (this.argsMember(node) ?? node) as jsep.MemberExpression & ExprNode;
      const place = this.memberPlace(member, types);
      if (place.elemText !== undefined || types.shape(place.typeId).kind !== 'pointer') return undefined;
      return { value: this.load(place, 'u64', member), cType: types.cType(place.typeId), space: place.space };
    }
    return undefined;
  }

  /** bpftrace's signal("KILL") / signal("SIGKILL") / signal(9) as guru's raise(SIGKILL): a name becomes the constant. */
  private signalAsRaise(node: jsep.CallExpression): jsep.CallExpression {
    const args = (node.arguments as ExprNode[]).map((a) => {
      if (a.type !== 'Literal' || typeof (a as jsep.Literal).value !== 'string') return a;
      const text = String((a as jsep.Literal).value).toUpperCase();
      const name = text.startsWith('SIG') ? text : `SIG${text}`;
      if (this.scope.constant(name) === undefined) this.fail(a, `${JSON.stringify((a as jsep.Literal).value)} is not a signal`, 'signal("KILL"), signal("SIGTERM") or signal(9); guru writes raise(SIGKILL)');
      return { ...a, type: 'Identifier', name } as ExprNode;
    });
    return { ...node, arguments: args };
  }

  /** A call of SystemTap's or bpftrace's as a do: item. */
  private wordStatement(node: jsep.CallExpression & ExprNode, word: Word, line: number): IrStmt {
    const m = word.means;
    if ('refused' in m) this.fail(node, m.refused, m.hint);
    if ('alias' in m && m.alias === 'stop') {
      if (node.arguments.length) this.fail(node, `${word.name}() takes no arguments`, 'stop() ends the session');
      return { k: 'stop', line };
    }
    if ('rule' in m) {
      switch (m.rule) {
        case 'printf': {
          const [fmtNode, ...argNodes] = node.arguments as ExprNode[];
          return this.printFormat(node, fmtNode, argNodes, line, true);
        }
        case 'println':
          return this.println(node, line);
        case 'print_backtrace':
          this.kernelStackHere(node, 'print_backtrace()');
          if (node.arguments.length) this.fail(node, 'print_backtrace() takes no arguments');
          return this.printText(textValue({ stack: 'systemtap' }, [{ k: 'stack' }]), node, line);
        case 'signal':
          return this.raise(this.signalAsRaise(node), line);
        case 'print_ubacktrace':
          this.userTaskHere(node, 'print_ubacktrace()');
          if (node.arguments.length) this.fail(node, 'print_ubacktrace() takes no arguments');
          return this.printText(textValue({ ustack: 'systemtap' }, [{ k: 'ustack' }]), node, line);
        default:
          break;
      }
    }
    this.fail(node, `the value of ${wordSpelling(word)} is unused`, `print it: printf("%s\\n", ${word.name}(...))`);
  }

  private log(node: jsep.CallExpression, line: number): IrStmt {
    const [fmtNode, ...argNodes] = node.arguments as ExprNode[];
    // SystemTap's log(msg): one string, printed as a line.
    if (fmtNode && argNodes.length === 0 && !(fmtNode.type === 'Literal' && typeof (fmtNode as jsep.Literal).value === 'string')) {
      const t = this.printArg(fmtNode);
      if (t.type !== 'int') return this.printText(t.ir, node, line, false);
    }
    return this.printFormat(node, fmtNode, argNodes, line, false);
  }

  /** log(FORMAT, ...) (one line) or printf(FORMAT, ...) (EXACT: no newline added). */
  private printFormat(node: jsep.CallExpression, fmtNode: ExprNode | undefined, argNodes: ExprNode[], line: number, exact: boolean): IrStmt {
    const what = exact ? 'printf()' : 'log()';
    if (!fmtNode || fmtNode.type !== 'Literal' || typeof (fmtNode as jsep.Literal).value !== 'string') {
      this.fail(fmtNode ?? node, `${what} needs a format string literal first`, exact ? 'printf("count:%d\\n", $count)' : 'log("count:%d", $count)');
    }
    const fmt = (fmtNode as jsep.Literal).value as string;
    const { args, descs } = this.formatArgs(fmtNode, fmt, argNodes, what, true);
    return this.logStmt(node, fmt, args, descs, line, exact);
  }

  /** The arguments of a format, checked against its conversions: their IR and how each is carried. */
  private formatArgs(fmtNode: ExprNode, fmt: string, argNodes: ExprNode[], what: string, extractors = false): { args: IrExpr[]; descs: LogArg[] } {
    // The arguments are checked even when the format is wrong.
    const typed = argNodes.map((a) => (extractors ? this.printArg(a) : this.sub(a)));
    let conversions: Conversion[];
    try {
      conversions = parseLogFormat(fmt).filter((p): p is Conversion => typeof p !== 'string');
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      this.fail(fmtNode, err.message, err.hint);
    }
    if (conversions.length !== argNodes.length) {
      const msg = `${what.replace('()', '')} format has ${conversions.length} conversion${conversions.length === 1 ? '' : 's'} but ${argNodes.length} argument${argNodes.length === 1 ? ' follows' : 's follow'}`;
      this.fail(argNodes[conversions.length] ?? fmtNode, msg, `format: "${fmt}"`);
    }
    if (argNodes.length > LOG_MAX_ARGS) this.fail(argNodes[LOG_MAX_ARGS], `${what} takes at most ${LOG_MAX_ARGS} arguments`);
    typed.forEach((t, i) => {
      const a = argNodes[i]!;
      const want = conversionType(conversions[i]);
      if (want === 'int' && t.type === 'text') this.reportAt(a, `${conversions[i].spec} expects an integer, this is text (a stack, argstr, $$vars, ...)`, 'print it with %s');
      else if (want === 'int' && t.type === 'string') this.reportAt(a, `${conversions[i].spec} expects an integer, this is a string`, 'use %s for strings');
      else if (want === 'string' && t.type === 'int') {
        this.reportAt(a, `${conversions[i].spec} expects a string, this is an integer`, 'read memory with user_string(ptr) or kernel_string(ptr), or use %d/%p');
      }
    });
    return { args: typed.map((t) => t.ir), descs: typed.map(logArgOf) };
  }

  private logStmt(node: jsep.Expression, fmt: string, args: IrExpr[], descs: LogArg[], line: number, exact: boolean): IrStmt {
    const parts = args.reduce((n, a) => n + (a.k === 'text' ? a.parts.length : 1), 0);
    if (parts > LOG_MAX_ARGS) {
      this.fail(node, `this prints ${parts} values at once, more than the ${LOG_MAX_ARGS} one event holds`, 'split it over several do: items ($$vars and argstr count one value per variable, a quoted string two)');
    }
    // One entry per log() of the spec: a probe compiled once per wildcard match shares it (unless what it prints differs).
    const entry = { probe: this.probeId, fmt, args: descs, line, ...(exact ? { exact: true as const } : {}) };
    const key = JSON.stringify(entry);
    const same = this.session.formats.find(({ id: _id, ...f }) => JSON.stringify(f) === key);
    const id = same?.id ?? this.session.formats.length;
    if (!same) this.session.formats.push({ id, ...entry });
    return { k: 'log', format: id, args, line };
  }

  /** Print one string or text value as it is (exact) or as a line. */
  private printText(value: IrExpr, node: jsep.CallExpression, line: number, exact = true): IrStmt {
    const t: Typed = { ir: value, type: value.k === 'text' ? 'text' : 'string' };
    return this.logStmt(node, '%s', [value], [logArgOf(t)], line, exact);
  }

  /** SystemTap's println(a, b, ...): each argument as %d or %s, one after the other, then a newline. */
  private println(node: jsep.CallExpression, line: number): IrStmt {
    const argNodes = node.arguments as ExprNode[];
    if (argNodes.length > LOG_MAX_ARGS) this.fail(argNodes[LOG_MAX_ARGS], `println() takes at most ${LOG_MAX_ARGS} arguments`);
    const typed = argNodes.map((a) => this.printArg(a));
    if (typed.some((t) => t.type === 'error')) throw new CompileFailure();
    const fmt = typed.map((t) => (t.type === 'int' ? '%d' : '%s')).join('') + '\n';
    return this.logStmt(node, fmt, typed.map((t) => t.ir), typed.map(logArgOf), line, true);
  }

  // ---- aggregates ----------------------------------------------------------

  /** count("NAME"): one more in the counter NAME (the summary and guru metrics show it). */
  private counter(node: jsep.CallExpression & ExprNode, line: number): IrStmt {
    const [nameNode, ...extra] = node.arguments as ExprNode[];
    const hint = 'count("blocked") counts under a fixed name; to count by a value, write @name[value] = count()';
    if (!nameNode || extra.length) this.fail(node, 'count() as a statement takes one name: count("NAME")', hint);
    if (nameNode.type !== 'Literal' || typeof (nameNode as jsep.Literal).value !== 'string') this.fail(nameNode, "count()'s name is a string literal", hint);
    const name = (nameNode as jsep.Literal).value as string;
    if (!/^[\x20-\x7e]{1,64}$/.test(name)) this.fail(nameNode, 'a counter name is 1 to 64 printable ASCII characters', 'e.g. count("blocked")');
    const use = this.session.shared.maps.counter(name, line);
    if ('error' in use) this.fail(node, use.error, use.hint);
    return { k: 'aggregate', map: use.id, keys: [], slot: use.slot, value: { k: 'int', value: '1' }, line };
  }

  /** `@name[k1, k2] = AGG(...)` (bpftrace's spelling; `@name = AGG(...)` has no key). */
  private mapAssign(n: jsep.BinaryExpression, line: number): IrStmt {
    const left = n.left as ExprNode;
    const map = mapReference(left)!;
    const right = n.right as ExprNode;
    const aggHint = 'count(), sum(x), avg(x), min(x), max(x), stats(x), hist(x) or lhist(x, min, max, step)';
    if (n.operator !== '=') this.fail(left, `${map.name} ${n.operator} ... : a map is given an aggregate with =`, `${map.written} = sum(x) adds x up`);
    if (!/^@([A-Za-z_][A-Za-z0-9_]*)?$/.test(map.name)) this.fail(left, `'${map.name}' is not a map name`, 'maps are @ followed by letters, digits and _ (bpftrace\'s @name), or @ alone');
    const keys = map.keys.map((k) => this.mapKey(k));
    const call = right.type === 'CallExpression' && (right as jsep.CallExpression).callee.type === 'Identifier' ? (right as jsep.CallExpression) : undefined;
    const fn = call ? ((call.callee as jsep.Identifier).name as AggKind) : undefined;
    if (!call || !(AGG_FUNCTIONS as readonly string[]).includes(fn!)) {
      this.sub(right);
      this.fail(right, `a map is given an aggregate: ${aggHint}`, 'a plain value goes in a var (declare it under vars:)');
    }
    const { value, lhist } = this.aggregateArgs(call as jsep.CallExpression & ExprNode, fn!);
    return this.aggregateUpdate(left, map.name, keys, fn!, value, line, lhist);
  }

  /** One update of map NAME (its first use makes it; a use that disagrees with the first fails at LEFT). */
  private aggregateUpdate(left: ExprNode, name: string, keys: ({ ir: IrExpr; part: AggKeyPart } | undefined)[], kind: AggKind, value: IrExpr, line: number, lhist?: LhistBounds): IrStmt {
    if (keys.some((k) => k === undefined)) throw new CompileFailure();
    const parts = keys as { ir: IrExpr; part: AggKeyPart }[];
    if (keyBytes(parts.map((k) => k.part)) > AGG_KEY_MAX) {
      this.fail(left, `the key of ${name} is larger than ${AGG_KEY_MAX} bytes (an integer takes 8, comm 16, another string ${STRING_KEY_SIZE})`, 'use fewer or smaller keys');
    }
    const use = this.session.shared.maps.use(name, kind, parts.map((k) => k.part), line, lhist);
    if ('error' in use) this.fail(left, use.error, use.hint);
    return { k: 'aggregate', map: use.id, keys: parts.map((k) => k.ir), ...(use.slot !== undefined ? { slot: use.slot } : {}), value, line };
  }

  /**
   * SystemTap's `lat[k1, k2] <<< v` (or `lat <<< v`, `@lat[k] <<< v`): v
   * added to the key's statistics, a 'stap' map: count, sum, min, max and
   * the buckets @hist_log (and @hist_linear) show. A bare name is the map
   * @name; it may not be a name the spec already gives something else.
   */
  private stapAdd(n: jsep.BinaryExpression & ExprNode, line: number): IrStmt {
    const left = n.left as ExprNode;
    const value = this.int(this.sub(n.right as ExprNode), n.right as ExprNode, '<<< adds an integer');
    const ref = stapReference(left);
    const usage = 'lat <<< $return, lat[execname()] <<< $return, or @lat[comm, pid] <<< $return';
    if (!ref) this.fail(left, "<<< adds to one of SystemTap's aggregates: a name, with its keys in [ ]", usage);
    if (ref.bare) this.stapNameFree(left, ref.bare);
    if (!/^@[A-Za-z_][A-Za-z0-9_]*$/.test(ref.name)) this.fail(left, `'${ref.name}' is not an aggregate name`, usage);
    const keys = ref.keys.map((k) => this.mapKey(k));
    return this.aggregateUpdate(left, ref.name, keys, 'stap', value, line);
  }

  /** A bare name SystemTap writes its aggregate as: refused where the spec already names something so. */
  private stapNameFree(node: ExprNode, name: string): void {
    const hint = `call the aggregate something else, or write @${name} <<< ... (the same aggregate as ${name})`;
    if (this.scope.vars.some((v) => v.name === name)) this.fail(node, `${name} is a var (vars:), so it cannot also be an aggregate that <<< adds to`, hint);
    if (this.scope.params.some((p) => p.name === name)) this.fail(node, `${name} is a param, so it cannot also be an aggregate that <<< adds to`, hint);
    if ((INT_BUILTINS as readonly string[]).includes(name) || (STRING_BUILTINS as readonly string[]).includes(name)) this.fail(node, `${name} is a builtin, so it cannot also be an aggregate that <<< adds to`, hint);
    if (this.scope.constant(name) !== undefined || name === 'NULL') this.fail(node, `${name} is a constant, so it cannot also be an aggregate that <<< adds to`, hint);
  }

  /** NODE calls one of SystemTap's extractors, NAME marked (EXTRACTOR_MARK), or fails. */
  private knownExtractor(node: ExprNode, name: string): void {
    if (!(STAP_EXTRACTORS as readonly string[]).includes(name.slice(1))) this.fail(node, `@${name.slice(1)}() is not one of SystemTap's extractors`, `they are ${STAP_EXTRACTORS.map((x) => `@${x}`).join(' ')}`);
  }

  /**
   * An assignment to a bare name (or its element) that is a `<<<`
   * aggregate already: refused as such, not as an unknown name.
   */
  private notStapAssign(place: ExprNode): void {
    const base = place.type === 'MemberExpression' && (place as jsep.MemberExpression).computed ? ((place as jsep.MemberExpression).object as ExprNode) : place;
    if (base.type !== 'Identifier') return;
    const name = (base as jsep.Identifier).name;
    if (this.scope.vars.some((v) => v.name === name)) return;
    const m = this.session.shared.maps.maps.find((x) => x.name === `@${name}` && x.kind === 'stap');
    if (m) this.fail(base, `${name} is a <<< aggregate (line ${m.line}): values are added to it with <<<, not assigned`, `${name}${m.keys.length ? '[key]' : ''} <<< value; @count(${name}${m.keys.length ? '[key]' : ''}) counts them`);
  }

  /** An argument of printf(), log() or println(): SystemTap's extractors are read there (by the supervisor), nowhere else. */
  private printArg(node: ExprNode): Typed {
    if (!isExtractorCall(node)) return this.sub(node);
    try {
      return this.extractor(node as jsep.CallExpression & ExprNode);
    } catch (err) {
      if (err instanceof CompileFailure) return POISON;
      throw err;
    }
  }

  /** print(@hist_log(x)) and print(@hist_linear(x, LO, HI, STEP)): the histogram in SystemTap's layout. */
  private printExtractor(node: jsep.CallExpression, line: number): IrStmt {
    const [arg, ...extra] = node.arguments as ExprNode[];
    if (extra.length) this.fail(extra[0]!, 'print() takes one histogram', 'print(@hist_log(x))');
    const t = this.extractor(arg as jsep.CallExpression & ExprNode);
    if (t.type !== 'text') {
      const name = ((arg as jsep.CallExpression).callee as jsep.Identifier).name.slice(1);
      this.fail(arg!, `print() of @${name}(x), a value, is refused: SystemTap prints it without a newline, bpftrace's print() with one`, `printf("%d\\n", @${name}(x)), or print(@hist_log(x)) for the histogram`);
    }
    return this.printText(t.ir, node, line, true);
  }

  /**
   * SystemTap's @count(x), @sum(x), @min(x), @max(x), @avg(x) (integers)
   * and @hist_log(x), @hist_linear(x, LO, HI, STEP) (text): X a `<<<`
   * aggregate, with constant keys. Nothing is read in the kernel: the
   * supervisor shows the value from its snapshot of the maps when it
   * reads the record (the map is checked once every probe has compiled).
   */
  private extractor(node: jsep.CallExpression & ExprNode): Typed {
    this.knownExtractor(node, (node.callee as jsep.Identifier).name);
    const extract = (node.callee as jsep.Identifier).name.slice(1) as StapExtractor;
    const shown = `@${extract}`;
    const args = node.arguments as ExprNode[];
    const linear = extract === 'hist_linear';
    const usage = linear ? '@hist_linear(lat, 0, 1000, 100): buckets of 100 from 0 to 1000' : `${shown}(lat) or ${shown}(lat["cat"])`;
    if (!args.length || args.length !== (linear ? 4 : 1)) this.fail(node, linear ? '@hist_linear() takes an aggregate, a low bound, a high bound and a step' : `${shown}() takes one aggregate`, usage);
    const ref = stapReference(args[0]!);
    if (!ref) this.fail(args[0]!, `${shown}() takes one of SystemTap's aggregates, a name that <<< adds to`, usage);
    const key = ref.keys.map((k) => {
      const t = this.sub(k);
      if (t.type === 'error') return undefined;
      if (t.ir.k === 'int') return { type: 'int' as const, value: t.ir.value };
      if (t.ir.k === 'str') return { type: 'string' as const, value: t.ir.value };
      this.reportAt(k, `the key of ${shown}() is a constant, known when the spec is checked`, 'the summary shows every key of the aggregate; name one here as a literal: @count(lat["cat"])');
      return undefined;
    });
    let lhist: LhistBounds | undefined;
    if (linear) {
      const bound = (b: ExprNode, what: string): bigint => {
        const t = this.sub(b);
        if (t.type === 'error') throw new CompileFailure();
        const v = this.int(t, b, `@hist_linear()'s ${what} is an integer`);
        if (v.k !== 'int') this.fail(b, `@hist_linear()'s ${what} is a constant`, usage);
        return BigInt(v.value);
      };
      const [lo, hi, step] = [bound(args[1]!, 'low bound'), bound(args[2]!, 'high bound'), bound(args[3]!, 'step')];
      if (step <= 0n) this.fail(args[3]!, "@hist_linear()'s step is above 0", usage);
      if (hi <= lo) this.fail(args[2]!, "@hist_linear()'s high bound is above its low bound", usage);
      lhist = { min: String(lo), max: String(hi), step: String(step) };
      if (lhistBuckets(lhist) > LHIST_MAX_BUCKETS) this.fail(args[3]!, `@hist_linear() with these bounds has ${lhistBuckets(lhist)} buckets, more than ${LHIST_MAX_BUCKETS}`, 'take a larger step, or use @hist_log for a wide range');
    }
    if (key.some((k) => k === undefined)) throw new CompileFailure();
    const parts = key as StapExtract['key'];
    const refNode = args[0]!;
    const span = this.spanAt(refNode.start ?? 0, (ref.bare ?? ref.name).length);
    this.session.shared.extractors.push({ extractor: shown, map: ref.name, keys: parts.map((k) => k.type), ...(lhist ? { lhist } : {}), line: this.lineOf(node), span });
    const arg: StapExtract = { extract, map: ref.name, key: parts };
    return { ir: { k: 'text', arg, parts: [] }, type: extract.startsWith('hist') ? 'text' : 'int' };
  }

  /** One part of a map's key: an integer, or a string (comm keeps its 16 bytes, another string its first 63). */
  private mapKey(node: ExprNode): { ir: IrExpr; part: AggKeyPart } | undefined {
    const t = this.sub(node);
    if (t.type === 'error') return undefined;
    if (t.type === 'text') {
      this.reportAt(node, 'a map key is an integer or a string, not text (a stack, argstr, $$vars, ...)', 'key by what the text is made of, e.g. func or comm');
      return undefined;
    }
    if (t.type === 'int') return { ir: t.ir, part: { type: 'int' } };
    const isComm = t.ir.k === 'strBuiltin' && t.ir.name === 'comm';
    const ir: IrExpr = t.ir.k === 'tryString' ? { ...t.ir, orEmpty: true } : t.ir;
    return { ir, part: { type: 'string', size: isComm ? COMM_KEY_SIZE : STRING_KEY_SIZE } };
  }

  /** The value an aggregate function adds (count(): 1), and lhist's bounds. */
  private aggregateArgs(call: jsep.CallExpression & ExprNode, fn: AggKind): { value: IrExpr; lhist?: LhistBounds } {
    const args = call.arguments as ExprNode[];
    if (fn === 'count') {
      if (args.length) this.fail(call, 'count() takes no arguments in a map', 'count("NAME") as a do: item of its own is a named counter; @name[key] = count() counts by key');
      return { value: { k: 'int', value: '1' } };
    }
    if (fn !== 'lhist') {
      if (args.length !== 1) this.fail(call, `${fn}() takes one value: ${fn}(x)`);
      return { value: this.int(this.sub(args[0]!), args[0]!, `${fn}() takes an integer`) };
    }
    const usage = 'lhist(x, min, max, step): buckets of step from min to max, e.g. lhist($count, 0, 1000, 100)';
    if (args.length !== 4) this.fail(call, 'lhist() takes a value, a minimum, a maximum and a step', usage);
    const value = this.int(this.sub(args[0]!), args[0]!, 'lhist() takes an integer');
    const bound = (node: ExprNode, what: string): bigint => {
      const b = this.int(this.sub(node), node, `lhist()'s ${what} is an integer`);
      if (b.k !== 'int') this.fail(node, `lhist()'s ${what} is a constant`, usage);
      return BigInt(b.value);
    };
    const [min, max, step] = [bound(args[1]!, 'minimum'), bound(args[2]!, 'maximum'), bound(args[3]!, 'step')];
    if (step <= 0n) this.fail(args[3]!, "lhist()'s step is above 0", usage);
    if (max <= min) this.fail(args[2]!, "lhist()'s maximum is above its minimum", usage);
    const lhist = { min: String(min), max: String(max), step: String(step) };
    if (lhistBuckets(lhist) > LHIST_MAX_BUCKETS) this.fail(args[3]!, `lhist() with these bounds has ${lhistBuckets(lhist)} buckets, more than ${LHIST_MAX_BUCKETS}`, 'take a larger step, or use hist() for a wide range');
    return { value, lhist };
  }

  private mapRead(node: ExprNode): never {
    const map = mapReference(node)!;
    this.fail(node, `${map.name} is a map: its values are shown in the session's summary and by guru metrics, not read in expressions`, 'keep a value to read in a var (vars:)');
  }

  // ---- expressions ---------------------------------------------------------

  private expr(node: ExprNode): Typed {
    switch (node.type) {
      case 'Literal': {
        const v = (node as jsep.Literal).value;
        // `8UL`, `1ULL`: C's 64-bit unsigned literals, unsigned as in C.
        if (typeof v === 'bigint') return { ir: intConstant(v, /^(?=[^ ]*[uU])(?=[^ ]*[lL])[0-9a-fA-FxX]+[uUlL]+$/.test(String((node as jsep.Literal).raw))), type: 'int' };
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
        if (n.operator === '-' && arg.k === 'int') return { ir: { ...arg, value: BigInt.asIntN(64, -BigInt(arg.value)).toString() }, type: 'int' };
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
    if (op === '<<<') this.fail(n, "<<< adds a value to one of SystemTap's aggregates: it is a do: item of its own", 'lat[execname()] <<< $return');
    const left = this.sub(n.left as ExprNode);
    const right = this.sub(n.right as ExprNode);
    if (left.type === 'error' || right.type === 'error') return POISON;
    if (left.type === 'text' || right.type === 'text') {
      this.fail((left.type === 'text' ? n.left : n.right) as ExprNode, `cannot use ${op} on text: it is put together when printed`, TEXT_HINT);
    }
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
    if (mapReference(node)) this.mapRead(node);
    const name = this.calleeName(node);
    if (name.startsWith(EXTRACTOR_MARK)) {
      const shown = `@${name.slice(1)}()`;
      this.knownExtractor(node, name);
      this.fail(node, `${shown} reads an aggregate, and maps are not read in the kernel: it is shown by printf(), log() or print(), as their whole argument`, `printf("%d\\n", ${shown.replace('()', '(x)')}) in an end or timer: probe; a value the probe needs again goes in a var (vars:)`);
    }
    if ((AGG_FUNCTIONS as readonly string[]).includes(name)) {
      this.fail(node, `${name}() is the value of a map, not of an expression`, `assign it to a map in its own do: item: @name = ${name}(${name === 'count' ? '' : 'x'})`);
    }
    if (name === 'user_string' || name === 'kernel_string') return this.readString(node, name, name === 'user_string' ? 'user' : 'kernel');
    if ((STATEMENT_CALLS as readonly string[]).includes(name)) {
      this.fail(node, `${name}() is a statement, not a value`, 'put it in its own do: item');
    }
    const word = lookupWord(name, 'call');
    if (word) return this.wordCall(node, word);
    return this.unknownCall(node, name);
  }

  /** user_string(p[, max]) and kernel_string(p[, max]): a fault when nothing at p can be read. */
  private readString(node: jsep.CallExpression & ExprNode, name: string, space: 'user' | 'kernel'): Typed {
    if (space === 'user') this.taskHere(node, `${name}()`, 'user memory is a task\'s: read it in a probe on what the task does');
    const [addrNode, maxNode, ...extra] = node.arguments as ExprNode[];
    if (!addrNode || extra.length) this.fail(node, `${name}() takes a pointer and an optional maximum length`, `${name}($buf) or ${name}($buf, 64)`);
    const addr = this.int(this.sub(addrNode), addrNode, `${name}() takes a pointer (an integer)`);
    const max = this.maxLength(maxNode, name, STRING_MAX);
    this.takeStringSlot(node);
    return { ir: { k: 'readString', space, addr, max, line: this.lineOf(node) }, type: 'string' };
  }

  /** A maximum string length argument as the bytes to read: MAX characters and the NUL (the runtime clamps to [1, STRING_MAX]). */
  private maxLength(maxNode: ExprNode | undefined, name: string, dflt: number): IrExpr {
    if (!maxNode) return { k: 'int', value: String(dflt) };
    const max = this.int(this.sub(maxNode), maxNode, `the maximum length of ${name}() is an integer`);
    return max.k === 'int' ? { k: 'int', value: String(clampMax(BigInt(max.value) + 1n)) } : { k: 'binary', op: '+', left: max, right: { k: 'int', value: '1' }, line: this.lineOf(maxNode) };
  }

  private identifier(node: ExprNode, name: string): Typed {
    if (mapReference(node)) this.mapRead(node);
    if (name.startsWith('$$') || /^\$[A-Za-z_][A-Za-z0-9_]*\$\$?$/.test(name)) return this.contextVariable(node, name);
    if (name.startsWith('$')) {
      const target = this.lookupTarget(node, name);
      if (target.string) {
        // Text fields are strings where they are used, as in bpftrace (args->comm).
        this.takeStringSlot(node);
        const { space, max, read } = target.string;
        if (read) return { ir: { k: 'familyString', ...read }, type: 'string' };
        return { ir: { k: 'readString', space, addr: { k: 'target', target }, max: { k: 'int', value: String(max) }, line: this.lineOf(node) }, type: 'string' };
      }
      return { ir: { k: 'target', target }, type: 'int' };
    }
    const decl = this.scope.vars.find((v) => v.name === name);
    if (decl) {
      if (decl.scope === 'thread') this.threadVarHere(node, name);
      return { ir: { k: 'var', id: this.scope.varIds.get(name)!, scope: decl.scope }, type: 'int' };
    }
    const param = this.scope.params.findIndex((p) => p.name === name);
    if (param >= 0) return { ir: { k: 'param', id: param }, type: 'int' };
    if ((INT_BUILTINS as readonly string[]).includes(name)) {
      if (TASK_BUILTINS.includes(name)) this.taskHere(node, name);
      return { ir: { k: 'builtin', name: name as IntBuiltin }, type: 'int' };
    }
    if (name === 'probe') return { ir: { k: 'str', value: this.scope.probeLabel }, type: 'string' };
    if ((STRING_BUILTINS as readonly string[]).includes(name)) {
      if (name === 'comm') this.taskHere(node, name);
      if (name === 'func' && this.scope.context === 'timer') {
        this.fail(node, `func at ${this.scope.probeLabel} names no function: a timer probe runs in the kernel's timer softirq, not at a probed function`, 'probe is the probe point as written (log("%s", probe))');
      }
      this.takeStringSlot(node);
      return { ir: { k: 'strBuiltin', name: name as StringBuiltin }, type: 'string' };
    }
    // C's null pointer: 0, unsigned as pointers are (so $p > NULL compares as pointers do).
    if (name === 'NULL') return { ir: { k: 'int', value: '0', unsigned: true }, type: 'int' };
    const c = this.scope.constant(name);
    if (c !== undefined) return { ir: intConstant(c, this.scope.constantUnsigned?.(name)), type: 'int' };
    if (LATER_CALLS[name] || (STATEMENT_CALLS as readonly string[]).includes(name) || (VALUE_CALLS as readonly string[]).includes(name)) {
      this.fail(node, `${name} is a function`, `call it: ${name}(...)`);
    }
    const word = lookupWord(name, 'name');
    if (word) return this.wordName(node, word, name);
    const call = lookupWord(name, 'call');
    if (call) {
      const guru = 'alias' in call.means && !call.means.alias.startsWith('$') && call.means.alias !== 'stop' ? `, or guru's ${call.means.alias}` : '';
      this.fail(node, `${name} is a function in ${call.origin.join(' and ')}: ${name}()`, `call it: ${name}()${guru}`);
    }
    const arg = this.syscallArgument(name);
    if (arg) {
      this.fail(node, `${name} is a variable of SystemTap's syscall tapset; guru reads the argument as ${arg.name}`, isCharPointer(arg) ? `${arg.name} is the address; user_string(${arg.name}) is the string, user_string_quoted(${arg.name}) the string in quotes` : `write ${arg.name}`);
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

  /** At a syscall probe, the argument SystemTap's tapset calls NAME (the same name as in the prototype). */
  private syscallArgument(name: string): TargetVar | undefined {
    if (!this.scope.point?.syscall) return undefined;
    const t = this.scope.targets.get(`$${name}`);
    return t && t.access.kind === 'syscallArg' ? t : undefined;
  }

  // ---- SystemTap's and bpftrace's words (words.ts) ---------------------------

  /** A bare name from the word table: `retval`, `kstack`, `arg0`, `name`, `argstr`, ... */
  private wordName(node: ExprNode, word: Word, name: string): Typed {
    const m = word.means;
    if ('refused' in m) this.fail(node, m.refused, m.hint);
    if ('alias' in m) return this.aliasOf(node, m.alias, name);
    switch (m.rule) {
      case 'kstack':
        this.kernelStackHere(node, 'kstack');
        return this.kstack('bpftrace', undefined);
      case 'ustack':
        this.userTaskHere(node, 'ustack');
        return this.ustack('bpftrace', undefined);
      case 'argN':
        return this.bpftraceArg(node, Number(name.slice(3)));
      case 'args':
        this.fail(node, 'args is bpftrace\'s struct of the probe\'s arguments: read one of them', `args->NAME (or args.NAME) is guru's $NAME${this.namedTargetsHint()}`);
      case 'syscall_name':
        if (!this.scope.point?.syscall) this.fail(node, `name is SystemTap's syscall-tapset variable (the syscall's name), known at syscall probes, not at ${this.scope.probeLabel}`, 'func is the probed function\'s name, probe the probe point');
        return { ir: { k: 'str', value: this.scope.point.syscall }, type: 'string' };
      case 'argstr': {
        if (!this.scope.point?.syscall) this.fail(node, `argstr is SystemTap's syscall-tapset variable, known at syscall probes, not at ${this.scope.probeLabel}`, `$$parms shows the arguments here`);
        const args = contextTargets(this.scope.targets.values(), 'parms');
        return this.text(syscallArgstr(args));
      }
      case 'retstr':
        return this.text(this.returnStr(1, this.returnValue(node, 'retstr')));
      default:
        throw new Error(`word ${name}: no rule for a name`);
    }
  }

  /** A call from the word table: `execname()`, `printf(...)` as a value, `str(p)`, `returnstr(1)`, ... */
  private wordCall(node: jsep.CallExpression & ExprNode, word: Word): Typed {
    const m = word.means;
    const args = node.arguments as ExprNode[];
    if ('refused' in m) this.fail(node, m.refused, m.hint);
    if ('alias' in m) {
      if (m.alias === 'user_string' || m.alias === 'kernel_string') return this.readString(node, word.name, m.alias === 'user_string' ? 'user' : 'kernel');
      if (m.alias === 'stop') this.fail(node, `${word.name}() is a statement, not a value`, 'put it in its own do: item');
      if (args.length) this.fail(args[0], `${word.name}() takes no arguments`, `SystemTap's ${word.name}() is guru's ${m.alias}`);
      return this.aliasOf(node, m.alias, `${word.name}()`);
    }
    const rule: WordRule = m.rule;
    switch (rule) {
      case 'sprintf': {
        const [fmtNode, ...argNodes] = args;
        if (!fmtNode || fmtNode.type !== 'Literal' || typeof (fmtNode as jsep.Literal).value !== 'string') {
          this.fail(fmtNode ?? node, 'sprintf() needs a format string literal first', 'sprintf("%s, %#o", user_string_quoted($filename), $mode)');
        }
        const fmt = (fmtNode as jsep.Literal).value as string;
        const f = this.formatArgs(fmtNode, fmt, argNodes, 'sprintf()');
        return this.text({ arg: { sprintf: fmt, args: f.descs }, parts: f.args.flatMap((a) => (a.k === 'text' ? a.parts : [a])) });
      }
      case 'print_backtrace':
      case 'sprint_backtrace':
        this.kernelStackHere(node, `${word.name}()`);
        if (args.length) this.fail(args[0], `${word.name}() takes no arguments`);
        return this.text({ arg: { stack: 'systemtap' }, parts: [{ k: 'stack' }] });
      case 'kstack':
        this.kernelStackHere(node, 'kstack');
        return this.kstackCall(node);
      case 'ustack':
        this.userTaskHere(node, 'ustack');
        return this.ustackCall(node);
      case 'print_ubacktrace':
      case 'sprint_ubacktrace':
      case 'ubacktrace':
        this.userTaskHere(node, `${word.name}()`);
        if (args.length) this.fail(args[0], `${word.name}() takes no arguments`);
        return this.ustack(rule === 'ubacktrace' ? 'hex' : 'systemtap', undefined);
      case 'cmdline_str':
        this.userTaskHere(node, 'cmdline_str()');
        if (args.length) this.fail(args[0], 'cmdline_str() takes no arguments', 'cmdline_arg(N) is argument N alone');
        this.takeStringSlot(node);
        return { ir: { k: 'cmdline' }, type: 'string' };
      case 'cmdline_arg': {
        this.userTaskHere(node, 'cmdline_arg()');
        if (args.length !== 1) this.fail(node, 'cmdline_arg() takes the number of the argument', 'cmdline_arg(0) is the program as it was run, cmdline_arg(1) its first argument');
        const arg = this.int(this.sub(args[0]!), args[0]!, 'cmdline_arg() takes an integer');
        this.takeStringSlot(node);
        return { ir: { k: 'cmdline', arg }, type: 'string' };
      }
      case 'returnstr': {
        const fmt = this.returnFormat(args[0], node, 'returnstr', args.length !== 1);
        return this.text(this.returnStr(fmt, this.returnValue(node, 'returnstr()')));
      }
      case 'return_str': {
        if (args.length !== 2) this.fail(node, 'return_str() takes a format (1 decimal, 2 hex, 3 octal) and a value', 'return_str(1, $return)');
        const fmt = this.returnFormat(args[0], node, 'return_str', false);
        return this.text(this.returnStr(fmt, this.int(this.expr(args[1]), args[1], 'return_str() shows an integer')));
      }
      case 'user_string_quoted':
      case 'kernel_string_quoted': {
        const n = word.name === 'user_string_n_quoted' ? 2 : 1;
        if (args.length !== n) this.fail(node, `${word.name}() takes ${n === 2 ? 'a pointer and a maximum length' : 'a pointer'}`, `${word.name}(${n === 2 ? '$filename, 64' : '$filename'})`);
        if (rule === 'user_string_quoted') this.taskHere(node, `${word.name}()`, 'user memory is a task\'s: read it in a probe on what the task does');
        const addr = this.int(this.expr(args[0]), args[0], `${word.name}() takes a pointer (an integer)`);
        this.takeStringSlot(node);
        const max = n === 2 ? this.maxLength(args[1], word.name, STRING_MAX) : undefined;
        return this.text(quotedString(addr, rule === 'user_string_quoted' ? 'user' : 'kernel', max));
      }
      case 'str': {
        if (args.length < 1 || args.length > 2) this.fail(node, 'str() takes a pointer and an optional length', 'str(arg1) or str(args->buf, 16)');
        const addr = this.int(this.expr(args[0]), args[0], 'str() takes a pointer (an integer)');
        this.takeStringSlot(node);
        return { ir: { k: 'tryString', space: spaceOf(addr), addr, max: this.maxLength(args[1], 'str', STR_DEFAULT_MAX), orEmpty: true }, type: 'string' };
      }
      case 'thread_indent':
        return this.threadIndent(node);
      case 'caller':
      case 'caller_addr': {
        if (args.length) this.fail(args[0], `${word.name}() takes no arguments`);
        const addr = this.returnAddress(node, `${word.name}()`);
        if (rule === 'caller_addr') return { ir: addr, type: 'int' };
        return this.text({ arg: { caller: addr.space }, parts: [addr] });
      }
      case 'printf':
      case 'println':
        this.fail(node, `${word.name}() prints; it has no value`, 'put it in its own do: item; sprintf() makes a string');
      default:
        this.fail(node, `${wordSpelling(word)} is not a function here`);
    }
  }

  /**
   * SystemTap's thread_indent(DELTA): "<usecs> <comm>(<tid>):" and an
   * indent, per thread: the time since the thread's indent was last 0, and
   * the depth before a negative DELTA or after a positive one. Hidden
   * thread variables keep the depth, the start and this event's one clock
   * reading; the update runs just before the do: item.
   */
  private threadIndent(node: jsep.CallExpression & ExprNode): Typed {
    this.taskHere(node, 'thread_indent()');
    const [deltaNode, ...extra] = node.arguments as ExprNode[];
    if (!deltaNode || extra.length) this.fail(node, 'thread_indent() takes the change of indent', 'thread_indent(1) on the way in, thread_indent(-1) on the way out');
    const d = this.expr(deltaNode);
    if (d.ir.k !== 'int') this.fail(deltaNode, 'the change of indent is a constant', 'thread_indent(1) or thread_indent(-1)');
    if (this.inCondition) this.fail(node, 'thread_indent() changes the indent; it belongs in do:, not in if:', 'printf("%s -> %s\\n", thread_indent(1), probefunc())');
    if (this.before.length) this.fail(node, 'one thread_indent() per do: item', 'put the second in a do: item of its own');
    const delta = BigInt((d.ir as { value: string }).value);
    const { depth, start, stamp } = this.indentVars();
    const line = this.lineOf(node);
    const read = (id: number): IrExpr => ({ k: 'var', id, scope: 'thread' });
    const int = (v: bigint): IrExpr => ({ k: 'int', value: v.toString() });
    // The clock is read once: the start (at a thread's first event) and the
    // time shown are the same reading, so that event shows exactly 0.
    const now = read(stamp);
    this.before.push(
      { k: 'setVar', id: stamp, scope: 'thread', varType: 's64', value: { k: 'builtin', name: 'nsecs' }, line },
      { k: 'setVar', id: start, scope: 'thread', varType: 's64', value: { k: 'cond', test: { k: 'binary', op: '==', left: read(depth), right: int(0n), line }, then: now, else: read(start) }, line },
      { k: 'setVar', id: depth, scope: 'thread', varType: 's64', value: { k: 'binary', op: '+', left: read(depth), right: int(delta), line }, line },
    );
    this.takeStringSlot(node);
    const usecs: IrExpr = { k: 'binary', op: '/', left: { k: 'binary', op: '-', left: now, right: read(start), line }, right: int(1000n), line };
    const shown: IrExpr = { k: 'binary', op: '-', left: read(depth), right: int(delta < 0n ? delta : 0n), line };
    return this.text({ arg: { indent: true }, parts: [usecs, { k: 'strBuiltin', name: 'comm' }, { k: 'builtin', name: 'tid' }, shown] });
  }

  /** The three thread variables of thread_indent() (depth, start, this event's clock reading), made on first use. */
  private indentVars(): { depth: number; start: number; stamp: number } {
    const hidden = this.session.shared.hiddenVars;
    if (!hidden.length) {
      const first = this.scope.vars.filter((v) => v.scope === 'thread').length;
      hidden.push(
        { name: '_thread_indent_depth', type: 's64', scope: 'thread', id: first },
        { name: '_thread_indent_start', type: 's64', scope: 'thread', id: first + 1 },
        { name: '_thread_indent_now', type: 's64', scope: 'thread', id: first + 2 },
      );
    }
    return { depth: hidden[0]!.id, start: hidden[1]!.id, stamp: hidden[2]!.id };
  }

  /** NAME spelt another way: guru's builtin, target or function it aliases. */
  private aliasOf(node: ExprNode, to: string, written: string): Typed {
    if (to === '$return') return { ir: { k: 'target', target: this.returnValueTarget(node, written) }, type: 'int' };
    const aliased = { ...node, type: 'Identifier', name: to } as unknown as ExprNode;
    return this.identifier(aliased, to);
  }

  /** $return, for a word that means it (retval, retval(), returnstr()). */
  private returnValueTarget(node: ExprNode, written: string): TargetVar {
    const t = this.scope.targets.get('$return');
    if (t) return t;
    const why = this.scope.unavailableTargets.get('$return');
    this.fail(node, `${written} is the return value ($return in guru): ${why?.message ?? `there is none at ${this.scope.probeLabel}`}`, why?.hint ?? 'probe the function\'s return: kretprobe:FUNC or syscall:NAME:return');
  }

  private returnValue(node: ExprNode, written: string): IrExpr {
    return { k: 'target', target: this.returnValueTarget(node, written) };
  }

  /** The FORMAT of returnstr(FORMAT)/return_str(FORMAT, v): 1 decimal, 2 hex, 3 octal. */
  private returnFormat(arg: ExprNode | undefined, node: ExprNode, name: string, badCount: boolean): 1 | 2 | 3 {
    if (badCount || !arg) this.fail(node, `${name}() takes the format: 1 for decimal, 2 for hex, 3 for octal`, `${name}(1)`);
    const v = this.expr(arg);
    if (v.ir.k !== 'int' || !['1', '2', '3'].includes(v.ir.value)) this.fail(arg, `the format of ${name}() is 1 (decimal), 2 (hex) or 3 (octal)`, `${name}(1)`);
    return Number((v.ir as { value: string }).value) as 1 | 2 | 3;
  }

  /** SystemTap's return_str(): the errno name for an error code, else the value in FORMAT. */
  private returnStr(fmt: 1 | 2 | 3, value: IrExpr): TextValue {
    this.useErrnoNames();
    return { arg: { returnStr: fmt }, parts: [value] };
  }

  /** errno names for the supervisor, from the target's headers (ERRNO_ALIASES give way to the names they alias). */
  private useErrnoNames(): void {
    if (this.session.shared.errnoNames) return;
    const names: Record<string, string> = {};
    for (const name of this.scope.constantNames()) {
      if (!/^E[A-Z0-9]+$/.test(name)) continue;
      const v = this.scope.constant(name);
      if (v === undefined || v <= 0n || v >= 4096n) continue;
      const key = v.toString();
      if (!names[key] || ERRNO_ALIASES.has(names[key]!)) names[key] = name;
    }
    this.session.shared.errnoNames = names;
  }

  /** bpftrace's kstack(N), kstack(raw), kstack(bpftrace, N). */
  private kstackCall(node: jsep.CallExpression & ExprNode): Typed {
    const args = node.arguments as ExprNode[];
    let style: StackStyle = 'bpftrace';
    let limit: number | undefined;
    const usage = 'kstack, kstack(N), kstack(bpftrace, N) or kstack(raw, N)';
    args.forEach((a, i) => {
      if (a.type === 'Identifier' && i === 0) {
        const mode = (a as jsep.Identifier).name;
        if (mode === 'perf') this.fail(a, 'kstack(perf) is not supported', usage);
        if (mode !== 'bpftrace' && mode !== 'raw') this.fail(a, `kstack has no mode ${mode}`, usage);
        style = mode;
        return;
      }
      const v = this.expr(a);
      if (i > 1 || v.ir.k !== 'int' || BigInt(v.ir.value) < 1n) this.fail(a, 'kstack takes a mode and a number of frames (a positive literal)', usage);
      limit = Math.min(Number((v.ir as { value: string }).value), STACK_MAX);
    });
    return this.kstack(style, limit);
  }

  /** Refuse WHAT, which is the current task's, where the handler runs for no task (timers). */
  private taskHere(node: ExprNode, what: string, hint?: string): void {
    if (this.scope.context !== 'timer') return;
    this.fail(node, `${what} at ${this.scope.probeLabel} names no task: a timer probe runs in the kernel's timer softirq, on whatever task the CPU was running`, hint ?? `a timer probe reads global vars, params, nsecs and cpu; read ${what} in a probe on what the task does and keep it in a global var`);
  }

  /** Refuse thread var NAME where the handler runs for no task (timers). */
  private threadVarHere(node: ExprNode, name: string): void {
    if (this.scope.context !== 'timer') return;
    this.fail(node, `${name} is a thread var: at ${this.scope.probeLabel} there is no thread to hold it, a timer probe runs in the kernel's timer softirq`, `declare it with scope: global to share it with the timer, or use it only in probes on what tasks do`);
  }

  /**
   * Refuse WHAT, which is about the user side of the task a probe runs for
   * (its user stack, its command line), where there is no such task: timers
   * (no task of their own) and begin/end (they run in guru's supervisor).
   */
  private userTaskHere(node: ExprNode, what: string): void {
    const hint = `${what} is the probed task's: read it in a probe on what the task does (a uprobe, a syscall, a kprobe)`;
    this.taskHere(node, what, hint);
    if (this.scope.context === 'supervisor') this.fail(node, `${what} at ${this.scope.probeLabel} would be guru's own: begin and end probes run in the supervisor`, hint);
  }

  /** guru's ubacktrace() as a do: item: `ubacktrace at PROBE [pid P tid T]:` and a frame per line, as backtrace() shows the kernel's. */
  private ubacktraceStatement(node: jsep.CallExpression, line: number): IrStmt {
    this.userTaskHere(node, 'ubacktrace()');
    if (node.arguments.length) this.fail(node, 'ubacktrace() takes no arguments');
    const fmt = `ubacktrace at ${this.scope.probeLabel.replace(/%/g, '%%')} [pid %d tid %d]:\n%s`;
    const args: IrExpr[] = [{ k: 'builtin', name: 'pid' }, { k: 'builtin', name: 'tid' }, textValue({ ustack: 'guru' }, [{ k: 'ustack' }])];
    return this.logStmt(node, fmt, args, ['int', 'int', { ustack: 'guru' }], line, true);
  }

  /** bpftrace's ustack(N), ustack(raw), ustack(bpftrace, N). */
  private ustackCall(node: jsep.CallExpression & ExprNode): Typed {
    const args = node.arguments as ExprNode[];
    let style: UserStackStyle = 'bpftrace';
    let limit: number | undefined;
    const usage = 'ustack, ustack(N), ustack(bpftrace, N) or ustack(raw, N)';
    args.forEach((a, i) => {
      if (a.type === 'Identifier' && i === 0) {
        const mode = (a as jsep.Identifier).name;
        if (mode === 'perf') this.fail(a, 'ustack(perf) is not supported', usage);
        if (mode !== 'bpftrace' && mode !== 'raw') this.fail(a, `ustack has no mode ${mode}`, usage);
        style = mode;
        return;
      }
      const v = this.expr(a);
      if (i > 1 || v.ir.k !== 'int' || BigInt(v.ir.value) < 1n) this.fail(a, 'ustack takes a mode and a number of frames (a positive literal)', usage);
      limit = Math.min(Number((v.ir as { value: string }).value), STACK_MAX);
    });
    return this.ustack(style, limit);
  }

  private ustack(style: UserStackStyle, limit: number | undefined): Typed {
    return this.text({ arg: limit === undefined ? { ustack: style } : { ustack: style, limit }, parts: [{ k: 'ustack' }] });
  }

  /**
   * SystemTap's caller_addr(): the return address into the caller, the word
   * at the stack pointer at a function's entry (scope.caller), read through
   * the fault-tolerant reader of its memory; refused where the stack holds
   * no such word.
   */
  private returnAddress(node: ExprNode, what: string): IrExpr & { k: 'load' } {
    const at = this.scope.caller;
    if (!at) this.fail(node, `${what} at ${this.scope.probeLabel}: this probe is no function's entry, so nothing on the stack says who called`, `${what} is known at a function's entry: kprobe:FUNC, syscall:NAME, uprobe:PATH:FUNC`);
    if ('message' in at) this.fail(node, `${what} at ${this.scope.probeLabel}: ${at.message}`, at.hint);
    return { k: 'load', space: at.space, addr: { k: 'target', target: STACK_POINTER }, ctype: 'u64', line: this.lineOf(node) };
  }

  /** Refuse WHAT where the kernel stack is not the probed code's (scope.kernelStackRefused: uprobes). */
  private kernelStackHere(node: ExprNode, what: string): void {
    const r = this.scope.kernelStackRefused;
    if (r) this.fail(node, `${what} at ${this.scope.probeLabel} ${r.message}`, r.hint);
  }

  private kstack(style: StackStyle, limit: number | undefined): Typed {
    return this.text({ arg: limit === undefined ? { stack: style } : { stack: style, limit }, parts: [{ k: 'stack' }] });
  }

  /** bpftrace's argN: the (N+1)th argument register, raw, at a kprobe's entry or (saved) at its return. */
  private bpftraceArg(node: ExprNode, n: number): Typed {
    const raw = this.scope.rawArgs;
    const name = `arg${n}`;
    if (typeof raw === 'object') {
      // Raw, as bpftrace reads it: even past the function's arity (__x64_sys_read takes one pt_regs pointer).
      const target: TargetVar = { name, ctype: REGISTER_LONG, access: { kind: raw.access, index: n }, writable: false };
      return { ir: { k: 'target', target }, type: 'int' };
    }
    if (raw === 'unknown') {
      const why = this.scope.unavailableTargets.get('$arg1');
      this.fail(node, `${name} (bpftrace's raw argument register) is not known here: ${why?.message ?? 'no arguments here'}`, why?.hint);
    }
    if (raw === 'named') {
      const t = [...this.scope.targets.values()].find((x) => x.access.kind === 'syscallArg' && x.access.index === n && !/^\$arg\d$/.test(x.name));
      this.fail(node, `${name} is bpftrace's raw register; at ${this.scope.probeLabel} the arguments have names`, t ? `write ${t.name} (or $arg${n + 1})` : `write $arg${n + 1}${this.namedTargetsHint()}`);
    }
    this.fail(node, `${name} is bpftrace's raw argument register, known at kprobe:FUNC, not at ${this.scope.probeLabel}`, `guru names what this probe can read with $${this.namedTargetsHint()}`);
  }

  /** "; here: $fd, $buf, $count" for hints. */
  private namedTargetsHint(): string {
    const names = [...this.scope.targets.keys()].filter((n) => !/^\$arg\d$/.test(n));
    return names.length ? `; at ${this.scope.probeLabel}: ${names.join(', ')}` : '';
  }

  /** SystemTap's $$vars, $$parms, $$locals, $$return (pretty with $$ after them) and $name$$ / $name$. */
  private contextVariable(node: ExprNode, name: string): Typed {
    const set = /^\$\$(vars|parms|locals|return)(\$\$?)?$/.exec(name);
    if (set) {
      const which = set[1] as ContextVarSet;
      if (which === 'return') this.returnValueTarget(node, '$$return');
      const targets = contextTargets(this.scope.targets.values(), which);
      return this.text(contextVars(targets, set[2] !== undefined));
    }
    const one = /^(\$[A-Za-z_][A-Za-z0-9_]*)\$\$?$/.exec(name);
    if (!one || one[1]!.startsWith('$$')) this.fail(node, `unknown context variable ${name}`, '$$vars, $$parms, $$locals, $$return, each optionally followed by $$, or $NAME$$');
    const target = this.lookupTarget(node, one[1]!);
    return this.text(prettyTarget(target).text);
  }

  private text(v: TextValue): Typed {
    return { ir: textValue(v.arg, v.parts), type: 'text' };
  }

  // ---- member access ($file->f_pos, $file->f_path.dentry) --------------------

  /** The value of a member: an integer, a pointer (which `->` can follow), or an array's address. */
  private member(node: jsep.MemberExpression & ExprNode): Typed {
    anchorChain(node);
    const args = this.argsMember(node);
    if (args) return this.expr(args);
    const types = this.types(node);
    const place = this.memberPlace(node, types);
    const name = memberLabel(node);
    if (place.elemText !== undefined) return { ir: this.load(place, this.textLoad(place.elemText, node), node), type: 'int' };
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

  /** A member chain that starts with bpftrace's args (args->file->f_pos): the chain on $file, or undefined. */
  private argsMember(node: ExprNode): ExprNode | undefined {
    if (node.type !== 'MemberExpression') return undefined;
    const field = this.argsField(node);
    if (field) return field;
    const m = node as jsep.MemberExpression & ExprNode;
    const inner = this.argsMember(m.object as ExprNode);
    return inner ? ({ ...m, object: inner } as unknown as ExprNode) : undefined;
  }

  /** Where member NODE is in memory, and its type. */
  private memberPlace(node: jsep.MemberExpression & ExprNode, types: TargetTypes): Place {
    if (node.computed) return this.indexPlace(node, types);
    const name = (node.property as jsep.Identifier).name;
    const base = this.recordBase(node.object as ExprNode, types);
    const m = types.member(base.record.id, name);
    if (!m) {
      const names = types.memberNames(base.record.id);
      const near = nearestName(name, names);
      this.failAtProperty(node, `${base.record.text} has no member ${name}`, near ? `did you mean ${near}?` : `${base.record.text} has ${listNames(names)}`);
    }
    if (m.bitfield) this.failAtProperty(node, `${name} is a bitfield of ${base.record.text}; guru reads and writes whole members, not bitfields`);
    return { addr: this.offsetBy(base.addr, m.offset, node), typeId: m.typeId, space: base.space };
  }

  /**
   * Element P[I] of a pointer or an array whose type guru knows (`$argv[1]`,
   * `$skb->data[0]`, `current->comm[i]`): at P + I * the element's size
   * (its stride, from BTF), read and written through the fault-tolerant
   * accessors like any member. A constant index outside a fixed array is
   * refused; a pointer's index is not checked (as in C, it may be negative).
   */
  private indexPlace(node: jsep.MemberExpression & ExprNode, types: TargetTypes): Place {
    const indexNode = node.property as ExprNode;
    const base = this.indexBase(node.object as ExprNode, types);
    const index = this.int(this.sub(indexNode), indexNode, `an index is an integer, and this is a string`, `${base.what}[0], ${base.what}[i]`);
    const size = base.elemText !== undefined ? LOAD_BYTES[this.textLoad(base.elemText, node)] : types.size(base.elem);
    if (!size) this.fail(node, `the elements of ${base.what} (${base.elemText ?? types.cType(base.elem)}) have no size guru can step by`, 'index pointers to integers, pointers, structs or unions');
    let addr: IrExpr;
    if (index.k === 'int') {
      const i = BigInt(index.value);
      if (base.length !== undefined && base.length > 0 && (i < 0n || i >= BigInt(base.length))) {
        this.fail(indexNode, `index ${i} is out of bounds: ${base.what} has ${base.length} element${base.length === 1 ? '' : 's'} (0 to ${base.length - 1})`);
      }
      addr = this.offsetBy(base.addr, Number(i) * size, node);
    } else {
      const line = this.lineOf(node);
      addr = { k: 'binary', op: '+', left: base.addr, right: { k: 'binary', op: '*', left: index, right: { k: 'int', value: String(size) }, line }, line };
    }
    return base.elemText !== undefined ? { addr, typeId: -1, space: base.space, elemText: base.elemText } : { addr, typeId: base.elem, space: base.space };
  }

  /** What `[...]` on OBJECT indexes: a pointer (its value is the first element's address) or an array (its place is). */
  private indexBase(object: ExprNode, types: TargetTypes): IndexBase {
    const hint = 'indexing works on pointers and arrays whose type guru knows: $argv[1], $skb->data[0], current->comm[i]';
    if (object.type === 'MemberExpression') {
      const inner = object as jsep.MemberExpression & ExprNode;
      const place = this.memberPlace(inner, types);
      const what = memberLabel(inner);
      if (place.elemText !== undefined) {
        const to = pointeeText(place.elemText);
        if (to === undefined) this.failAtProperty(inner, `${what} is ${place.elemText}, not a pointer or an array: it cannot be indexed`, hint);
        return { addr: this.load(place, 'u64', inner), space: /__user/.test(place.elemText) ? 'user' : place.space, elem: -1, elemText: to, what };
      }
      const shape = types.shape(place.typeId);
      if (shape.kind === 'array') return { addr: place.addr, space: place.space, elem: shape.elem, length: shape.length, what };
      if (shape.kind === 'pointer' && shape.to !== undefined) return { addr: this.load(place, 'u64', inner), space: place.space, elem: shape.to, what };
      if (shape.kind === 'pointer') this.failAtProperty(inner, `${what} is void *: what it points to has no type to index by`, `cast it to what it points to: ((struct T *)${(inner.object as ExprNode).type === 'Identifier' ? `${(inner.object as jsep.Identifier).name}->` : ''}${what})[0]`);
      this.failAtProperty(inner, `${what} is ${types.cType(place.typeId)}, not a pointer or an array: it cannot be indexed`, hint);
    }
    if (object.type === 'CallExpression' && (object as jsep.CallExpression).callee.type === 'Identifier' && ((object as jsep.CallExpression).callee as jsep.Identifier).name === '@cast') {
      const base = this.castBase(object as jsep.CallExpression & ExprNode, types);
      return { addr: base.addr, space: base.space, elem: base.record.id, what: `(${base.record.text} *)` };
    }
    if (object.type === 'Identifier' && (object as jsep.Identifier).name.startsWith('$')) {
      const name = (object as jsep.Identifier).name;
      const target = this.lookupTarget(object, name);
      const info = target.typeInfo;
      const value: IrExpr = { k: 'target', target };
      if (info && 'typeId' in info) {
        const shape = types.shape(info.typeId);
        if (shape.kind === 'pointer' && shape.to !== undefined) return { addr: value, space: info.space, elem: shape.to, what: name };
      } else if (info && 'pointerTo' in info) {
        const id = types.findRecord(info.pointerTo.record, info.pointerTo.name);
        if (id === undefined) this.fail(object, `the kernel's BTF has no ${info.pointerTo.record} ${info.pointerTo.name} (${name})`);
        return { addr: value, space: info.space, elem: id, what: name };
      } else if (!target.string) {
        const to = pointeeText(target.ctype);
        if (to !== undefined && (pointeeText(to) !== undefined || intLoadOfText(to))) return { addr: value, space: pointerSpace(target), elem: -1, elemText: to, what: name };
      }
      this.fail(object, `${name} is ${target.ctype}, not a pointer or an array: it cannot be indexed`, hint);
    }
    if (this.isCurrentTask(object)) this.fail(object, 'current is one task (a struct task_struct *), not an array', 'read its members: current->comm[0], current->pid');
    this.fail(object, 'this is not a pointer or an array whose type guru knows', hint);
  }

  /** How an element of C type text TEXT is read: a pointer as u64, an integer by its width. */
  private textLoad(text: string, node: ExprNode): LoadCType {
    if (pointeeText(text) !== undefined) return 'u64';
    const ctype = intLoadOfText(text);
    if (!ctype) this.fail(node, `guru does not know the size of ${text}`, 'index pointers to integers or pointers');
    return ctype;
  }

  /** The struct or union that `.`/`->` on OBJECT selects from. */
  private recordBase(object: ExprNode, types: TargetTypes): RecordBase {
    if (object.type === 'MemberExpression') {
      const inner = object as jsep.MemberExpression & ExprNode;
      const place = this.memberPlace(inner, types);
      const innerName = memberLabel(inner);
      if (place.elemText !== undefined) this.fail(inner, `${innerName} is ${place.elemText}, not a struct, a union or a pointer to one`, 'member access (-> or .) reads members of structs and unions');
      const shape = types.shape(place.typeId);
      if (shape.kind === 'record') return { addr: place.addr, record: shape, space: place.space }; // an embedded struct
      if (shape.kind === 'pointer' && shape.to !== undefined) return this.pointee(this.load(place, 'u64', inner), shape.to, place.space, inner, innerName, types);
      this.failAtProperty(inner, `${innerName} is ${types.cType(place.typeId)}, not a struct, a union or a pointer to one`, 'member access (-> or .) reads members of structs and unions');
    }
    if (this.isCurrentTask(object)) {
      this.taskHere(object, object.type === 'Identifier' ? 'current' : 'task_current()');
      return this.namedRecordBase({ k: 'builtin', name: 'task' }, 'struct', 'task_struct', object, types);
    }
    if (object.type === 'CallExpression' && (object as jsep.CallExpression).callee.type === 'Identifier' && ((object as jsep.CallExpression).callee as jsep.Identifier).name === '@cast') {
      return this.castBase(object as jsep.CallExpression & ExprNode, types);
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

  /** bpftrace's `current` and SystemTap's `task_current()`: the task the probe runs in (unless a spec var is called current). */
  private isCurrentTask(node: ExprNode): boolean {
    if (node.type === 'Identifier') return (node as jsep.Identifier).name === 'current' && !this.scope.vars.some((v) => v.name === 'current');
    if (node.type !== 'CallExpression') return false;
    const call = node as jsep.CallExpression;
    if (call.callee.type !== 'Identifier' || (call.callee as jsep.Identifier).name !== 'task_current') return false;
    if (call.arguments.length) this.fail(node, 'task_current() takes no arguments');
    return true;
  }

  /**
   * SystemTap's `@cast(ADDR, "TYPE"[, "kernel"])->member`: ADDR read as a
   * pointer to the kernel's struct or union TYPE (with or without `struct`).
   * The third argument names where TYPE is defined; guru reads the kernel's
   * BTF, so "kernel" (or "kernel<linux/skbuff.h>") is all it takes.
   */
  private castBase(call: jsep.CallExpression & ExprNode, types: TargetTypes): RecordBase {
    const usage = '@cast(ADDR, "sk_buff") or @cast(ADDR, "struct sk_buff", "kernel")';
    const [addrNode, typeNode, whereNode] = call.arguments as ExprNode[];
    if (!addrNode || !typeNode || call.arguments.length > 3) this.fail(call, '@cast takes an address, a type name and optionally where the type is defined', usage);
    const literal = (n: ExprNode): string | undefined => (n.type === 'Literal' && typeof (n as jsep.Literal).value === 'string' ? ((n as jsep.Literal).value as string) : undefined);
    const typeText = literal(typeNode);
    const m = typeText === undefined ? null : /^\s*(?:(struct|union)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(typeText);
    if (!m) this.fail(typeNode, "@cast's type is a string naming a struct or union", usage);
    if (whereNode) {
      const where = literal(whereNode);
      if (where === undefined || !/^kernel(<.*>)?$/.test(where)) {
        this.fail(whereNode, `@cast's types come from the kernel's BTF; ${where === undefined ? 'the third argument is a string' : `"${where}" is not the kernel`}`, 'leave it out or write "kernel"');
      }
    }
    const addr = this.int(this.sub(addrNode), addrNode, '@cast takes an address (an integer or a pointer)');
    const name = m![2]!;
    const kind = (m![1] as 'struct' | 'union' | undefined) ?? (types.findRecord('struct', name) !== undefined ? 'struct' : types.findRecord('union', name) !== undefined ? 'union' : undefined);
    if (!kind) this.fail(typeNode, `the kernel's BTF has no struct or union ${name}`);
    return this.namedRecordBase(addr, kind, name, typeNode, types);
  }

  /** ADDR as a pointer to the kernel's KIND NAME. */
  private namedRecordBase(addr: IrExpr, kind: 'struct' | 'union', name: string, node: ExprNode, types: TargetTypes): RecordBase {
    const id = types.findRecord(kind, name);
    if (id === undefined) this.fail(node, `the kernel's BTF has no ${kind} ${name}`);
    const shape = types.shape(id);
    if (shape.kind !== 'record') this.fail(node, `${kind} ${name} is incomplete in the kernel's BTF`);
    return { addr, record: shape, space: 'kernel' };
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
    if (node.computed) this.fail(node.property, message, hint);
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
      ...wordSpellings('name'),
    ];
    const near = nearestName(name, candidates) ?? nearestName(name, this.scope.constantNames());
    const declared = this.scope.vars.length ? `vars: ${this.scope.vars.map((v) => v.name).join(', ')}` : 'declare it under vars:';
    this.fail(node, `unknown name ${name}`, near ? `did you mean ${near}?` : `${declared}; builtins: ${[...INT_BUILTINS, ...STRING_BUILTINS].join(' ')}; target variables start with $`);
  }

  private unknownCall(node: jsep.CallExpression, name: string): never {
    if (LATER_CALLS[name]) this.fail(node, LATER_CALLS[name]);
    const entry = kernelCallEntry(name);
    if (entry) {
      // kmod/guru_call.c defers a call made in NMI context (kprobes hit through int3) or with interrupts off to an irq_work, which runs after the handler has returned: there is no result to use then.
      const returns = !/^void\s/.test(entry.prototype);
      this.fail(
        node,
        returns
          ? `${name}() is a kernel call whose result guru cannot use: where a probe runs in NMI context (kprobes hit through int3 on x86) or with interrupts off, guru makes the call later, from an irq_work, after the handler has returned, so no result is there to use`
          : `${name}() returns nothing (${entry.prototype})`,
        `call it as a do: item of its own: - ${name}(...)`,
      );
    }
    const all = [...STATEMENT_CALLS, ...VALUE_CALLS];
    const kernel = KERNEL_CALLS.map((c) => c.name);
    const near = nearestName(name, [...all, ...kernel, ...wordSpellings('call')]);
    const lists = `guru's functions: ${all.join(' ')}; kernel functions on guru's allow-list (src/expr/kernelCalls.ts): ${kernel.join(' ')}`;
    this.fail(node, `unknown function ${name}()`, near ? `did you mean ${near}()? ${lists}` : `${lists} (and SystemTap's and bpftrace's words, see the spec language's word tables)`);
  }

  private calleeName(node: jsep.CallExpression): string {
    if (node.callee.type !== 'Identifier') this.fail(node, 'only named functions can be called', 'log(...), user_string(...), ...');
    return (node.callee as jsep.Identifier).name;
  }

  private int(t: Typed, node: ExprNode, message: string, hint?: string): IrExpr {
    if (t.type === 'text') this.fail(node, message, TEXT_HINT);
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
      if (m.computed) return undefined;
      const at = propertyOffset(m, text);
      return at === undefined ? undefined : at + (m.property as jsep.Identifier).name.length;
    }
    return undefined;
  };
  if (node.computed) return undefined;
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

/**
 * A reference to a map: `@name`, `@`, or with keys `@name[k1, k2]` (which
 * parseExpression hands over as the call `@name(k1, k2)`); not SystemTap's
 * @cast. WRITTEN is how the spec wrote it, for hints.
 */
/** SystemTap's extractor calls, @count(x) ... (the parser marks their @: EXTRACTOR_MARK). */
function isExtractorCall(node: ExprNode): boolean {
  const callee = node.type === 'CallExpression' ? (node as jsep.CallExpression).callee : undefined;
  return callee?.type === 'Identifier' && (callee as jsep.Identifier).name.startsWith(EXTRACTOR_MARK);
}

/**
 * A SystemTap aggregate as <<< and the extractors name it: `lat`,
 * `lat[k1, k2]` (the parser reads its keys as a call's arguments), or the
 * same with an @. NAME is the map's (`@lat`); BARE the name as written without @.
 */
function stapReference(node: ExprNode): { name: string; keys: ExprNode[]; bare?: string } | undefined {
  const named = (n: jsep.Expression): string | undefined => {
    if (n.type !== 'Identifier') return undefined;
    const name = (n as jsep.Identifier).name;
    return name === '@cast' || name.startsWith(EXTRACTOR_MARK) || name.startsWith('$') ? undefined : name;
  };
  const call = node.type === 'CallExpression' ? (node as jsep.CallExpression) : undefined;
  const name = named(call ? call.callee : node);
  if (name === undefined) return undefined;
  const keys = call ? (call.arguments as ExprNode[]) : [];
  return name.startsWith('@') ? { name, keys } : { name: `@${name}`, keys, bare: name };
}

function mapReference(node: ExprNode): { name: string; keys: ExprNode[]; written: string } | undefined {
  const isMapName = (n: string): boolean => n.startsWith('@') && n !== '@cast';
  if (node.type === 'Identifier' && isMapName((node as jsep.Identifier).name)) {
    const name = (node as jsep.Identifier).name;
    return { name, keys: [], written: name };
  }
  if (node.type !== 'CallExpression') return undefined;
  const callee = (node as jsep.CallExpression).callee;
  if (callee.type !== 'Identifier' || !isMapName((callee as jsep.Identifier).name)) return undefined;
  const name = (callee as jsep.Identifier).name;
  return { name, keys: (node as jsep.CallExpression).arguments as ExprNode[], written: `${name}[key]` };
}
