// What a probe family is (docs/architecture.md, "Probe families"): the
// kinds of probe point it takes, how it resolves one against the target
// kernel, what a spec's expressions see there, how its probes become C, and
// how `guru list` lists its points. src/probeFamilies/registry.ts holds the
// table of families; everything else in the pipeline goes through it.
import type { CallerPlace, RawArgs, UnavailableTarget } from '../expr/compileExpression.js';
import type { HandlerContext } from '../expr/handlerContext.js';
import type { IrExpr, IrStmt, TargetVar } from '../expr/ir.js';
import type { KernelFunctionFacts } from '../kernelFacts/functionFacts.js';
import type { KernelFacts } from '../kernelFacts/kernelFacts.js';
import type { ParsedProbePoint, ProbePointSpelling } from '../patchSpec/probePointSyntax.js';
import type { ProbePoint } from './registry.js';

export interface PlanGuard {
  uid?: number[];
  pid?: number[];
  comm?: string[];
}

/** The part of every plan probe that does not depend on its family. */
export interface ProbeCommon {
  id: number;
  /** The on: text as written, and guru's canonical spelling of it. */
  on: string;
  canonical: string;
  /** Spec line of the probe, for #line and messages. */
  line: number;
  /** Target variables ($name) readable here. */
  targets: TargetVar[];
  guard: PlanGuard;
  cond?: IrExpr;
  /** The if: expression as the spec writes it (for `guru check`). */
  condText?: string;
  /** Spec line of the if: expression. */
  condLine?: number;
  actions: IrStmt[];
  /** True when some action writes a target variable. */
  writes: boolean;
  /**
   * A probe whose expressions are compiled once per place it sits, each
   * with its own target variables (every match of a wildcard, typed from
   * BTF on its own): one handler each, variant i as `probeFn` + `_m<i>`.
   * The probe's own targets, cond and actions are then its first variant's.
   */
  variants?: ProbeVariant[];
  /** Variants left out because the spec's expressions do not compile there, and why (the first error). */
  leftOut?: { label: string; why: string }[];
}

export interface ProbeVariant {
  /** Where this variant sits (a wildcard match: the function's name). */
  label: string;
  /** Its index among the resolution's variants (a wildcard match's number). */
  index: number;
  targets: TargetVar[];
  cond?: IrExpr;
  actions: IrStmt[];
}

/** Why a target variable cannot be written, as the diagnostic says it. */
export interface ReadOnlyReason {
  message: string;
  hint?: string;
}

/** A write that is allowed but may not do what the spec means, as the warning says it. */
export interface WriteWarning {
  message: string;
  hint?: string;
}

/** What a spec's expressions see at a probe point. */
export interface ProbeScope {
  targets: Map<string, TargetVar>;
  /** Names that exist in general but not here, and why. */
  unavailableTargets: Map<string, UnavailableTarget>;
  /** Why each target that is not writable is read-only, by name (aliases included). */
  readOnly: Map<string, ReadOnlyReason>;
  /** Writable targets whose writes deserve a warning at each write (e.g. a write that may miss a copy), by name. */
  writeWarnings: Map<string, WriteWarning>;
  /** Why no target at all may be written here (wildcards), if so. */
  writesRefused?: string;
  /** Said after "unknown target variable" (e.g. why argument names are unknown here). */
  unknownTargetNote?: string;
  /** The loadable module whose BTF (split over vmlinux's) types the targets' type ids; vmlinux's when unset. */
  btfModule?: string;
}

/** One target variable as `guru list -v` shows it. */
export interface ListedTarget {
  /** `$count`; `$argN` where BTF has no name. */
  name: string;
  ctype?: string;
  /** Positional alias, e.g. `$arg3`. */
  alias?: string;
  writable: boolean;
  /** Why it cannot be read here, when it cannot. */
  unavailable?: string;
}

/** A probe point resolved: where it sits (family data, part of the plan) and what it sees. */
export interface Resolution<P> extends ProbeScope {
  placement: P;
  /** For `guru list -v`: the C declaration of what is probed, where known. */
  declaration?: string;
  /** For `guru list -v`: the target variables in declaration order. */
  listed?: ListedTarget[];
  /** For `guru list -v`: a remark on the whole point (why arguments are positional). */
  note?: string;
  /** Set when the probe is compiled once per place (wildcard matches), each with its own scope. */
  variants?: { label: string; scope: ProbeScope }[];
}

/** Limits a resolution keeps to. */
export interface ResolveOptions {
  /** Most kernel probes the spec may still place (--max-probes, less what earlier probes took). */
  probeBudget: number;
}

/**
 * A refusal of a family's runtime part at insmod: the error insmod prints
 * (the errno's text, e.g. `Stale file handle`) and what it means for a
 * spec's author. `guru apply` shows the hint (src/apply/kernelModules.ts).
 */
export interface InsmodRefusal {
  error: string;
  hint: string;
}

/** Why a probe point does not resolve. */
export interface ResolveError {
  message: string;
  hint?: string;
}

export function isResolveError(r: object): r is ResolveError {
  return 'message' in r;
}

/** The handler of one probe: its C parameters and the context it fills in (templates/partials/probe-body.hbs). */
export interface BodyShape {
  params: string;
  /** Whether the handler has `regs` (begin/end and timers have none). */
  hasRegs: boolean;
  /**
   * The runtime function that enters a handler without regs, when it is not
   * guru_enter(probe, NULL) (begin/end, which run only while arming and
   * disarming): `guru_enter_timer` for timers, which run while armed.
   */
  enter?: string;
  setup: string[];
}

/** A piece of C: the partial (templates/partials/NAME.hbs) that renders it; its other fields are the partial's view. */
export interface CPart {
  partial: string;
}

export interface RenderContext {
  /** The C function of a probe's handler; of its variant VARIANT (an index into p.variants) when it has variants. */
  probeFn(p: ProbeCommon, variant?: number): string;
  /** The first thread-variable slot free for the family's own use (after the spec's vars). */
  firstThreadSlot: number;
  /**
   * The kprobe src/render/sharedKprobes.ts puts at SYMBOL+OFFSET when
   * several of the families' kprobes would sit there (the family then hands
   * it calls, FamilyRender.sharedCalls, instead of a kprobe of its own);
   * undefined when the family's own kprobe is the only one there.
   */
  sharedKprobe?(symbol: string, offset: number): string | undefined;
}

/**
 * An address one of a family's kprobes sits on, for the step that gives
 * probes of several families at one address one kprobe
 * (src/render/sharedKprobes.ts): the kernel runs kprobes that share an
 * address newest first, not in spec order.
 */
export interface KprobePlaceClaim {
  /** As registered: `SYMBOL` or `MODULE:SYMBOL`. */
  symbol: string;
  offset: number;
  probe: number;
  /** Which of a wildcard's kept variants; undefined for a named probe. */
  variant?: number;
  /** The family's own kprobe this would be in: claims of one group share one kprobe already. */
  group: string;
}

/** One handler call a family puts into a shared kprobe (RenderContext.sharedKprobe). */
export interface SharedCall {
  kprobe: string;
  probe: number;
  variant?: number;
  /** Locals the call needs, declared once per kprobe (`struct guru_sys_call call;`). */
  locals?: string[];
  /** Statements before the calls, once per kprobe (`guru_sys_begin(&call, regs, NULL);`). */
  setup?: string[];
  /** The call; `regs` and `addr` (the probed address) are the shared handler's. */
  call: string;
}

/** What a family contributes to the generated module; every list is in the family's order. */
export interface FamilyRender {
  /** C after the spec's variables (enums), before any handler. */
  declarations?: CPart[];
  /** C after the handlers: the kprobes, kretprobes and the like that call them. */
  definitions?: CPart[];
  /** Runtime registration (kmod/guru_runtime.c): all or nothing ... */
  kprobes?: string[];
  kretprobes?: string[];
  /** ... and best effort (wildcard matches). */
  wildKprobes?: string[];
  wildKretprobes?: string[];
  /** Per probe id: the fields of its struct guru_probe that link it to its kprobes (for nmissed). */
  links?: Map<number, string[]>;
  /** Families with a runtime part of their own: C initializers of struct guru_attach_set (kmod/guru_runtime.h). */
  attachSets?: string[];
  /** Handlers run when the module is armed (begin) and disarmed (end). */
  begin?: string[];
  end?: string[];
  /** Thread-variable slots used from RenderContext.firstThreadSlot on. */
  threadSlots?: number;
  /** Fields of struct guru_module (kmod/guru_runtime.h) the family sets: C designated initializers. */
  moduleFields?: string[];
  /** Calls into kprobes the shared step renders (RenderContext.sharedKprobe), instead of kprobes of its own there. */
  sharedCalls?: SharedCall[];
}

/**
 * What `guru list PATTERN` asks for (src/list/listPattern.ts parses it): a
 * probe point whose names may hold `*` wildcards, and whose statement line
 * may be ANY_LINE (`FUNC@FILE:*`).
 */
export type ListQuery = ProbePoint;

/** A statement line of a ListQuery that stands for every line of the function. */
export const ANY_LINE = 0;

export interface ListEntry {
  /** guru's spelling, usable as `on:` as printed. */
  point: string;
  /** The C declaration, where known. */
  declaration?: string;
  /** With -v: the target variables. */
  targets?: ListedTarget[];
  /** With -v: a remark on the whole point (e.g. why arguments are positional). */
  note?: string;
  /** With -v: lines printed as they are (a statement's addresses and variable locations). */
  details?: string[];
  /** The point exists but cannot be probed, and why (listed with -v only). */
  refused?: string;
}

export interface ListResult {
  release: string;
  entries: ListEntry[];
  /** Where the names came from (System.map, tracefs, ...). */
  sources: string[];
}

/** What listing needs: kprobe patterns only symbols and BTF, the others the headers' facts. */
export type ListFacts = KernelFacts | KernelFunctionFacts;

export interface ListOptions {
  verbose: boolean;
  /** Overrides for tests (tracefs/debugfs files); the running kernel is detected by release. */
  running?: boolean;
  kprobeSources?: { availableFilterFunctions?: readonly string[]; kprobeBlacklist?: readonly string[] };
}

/**
 * A probe family. P is its part of the plan probe (`kind` and where it
 * sits); Pt the probe points it resolves (each family's spelling.ts says
 * how they are written).
 */
export interface ProbeFamily<P extends { kind: string }, Pt extends ParsedProbePoint> {
  name: string;
  /** How hints name what this family offers (`syscall, syscall:...:return`). */
  spelling: string;
  /** The plan kinds (PlanProbe.kind) it produces. */
  kinds: readonly P['kind'][];
  /** The probe-point kinds it resolves. */
  points: readonly Pt['kind'][];
  /**
   * How its points are written (guru's, SystemTap's and bpftrace's
   * spellings); the registry puts every family's together into the parser
   * of `on:`. Unset: another family's spelling writes its points (kretprobe:
   * the kprobe family's kernelFunctionSpelling).
   */
  spellings?: ProbePointSpelling<ParsedProbePoint>;
  /**
   * Where its handlers run (src/expr/handlerContext.ts): in the probed task
   * (where: guards apply), in the supervisor (begin/end), or in a timer
   * while armed, with no task of their own.
   */
  context: HandlerContext;
  /**
   * Its probes sit at addresses of one kernel build (statement probes: from
   * its DWARF): the plan records that build's id, and the module loads on
   * that build only.
   */
  oneBuild?: boolean;
  /**
   * `guru list` can list its points from the running kernel's symbols and
   * BTF alone (kallsyms, /sys/kernel/btf), when the kernel's headers are not
   * installed (kprobe and kretprobe patterns).
   */
  listsWithoutHeaders?: boolean;
  /** The family's own part of the runtime (kmod/NAME.c and its NAME.h), linked into modules that use the family. */
  runtime?: readonly string[];
  /** How that runtime part refuses to load, for the hint `guru apply` gives (carried in the module's manifest). */
  insmodRefusals?: readonly InsmodRefusal[];
  resolve(point: Pt, facts: KernelFacts, label: string, options: ResolveOptions): Resolution<P> | ResolveError;
  /**
   * How many kernel probes (kprobes, uprobes) the placement registers, for
   * --max-probes; unset: one. A wildcard over user functions is one probe of
   * the spec but a uprobe per match, and a source line one per address.
   */
  kernelProbeCount?(placement: P): number;
  /**
   * Why the kernel stack (backtrace(), print_backtrace(), kstack) shows
   * nothing of the probed code at this family's probes, and what to use
   * instead; unset: the kernel stack is the probed code's.
   */
  kernelStackRefused?: { message: string; hint: string };
  /** What bpftrace's arg0 ... arg5 are at the placement (raw registers at a kprobe's entry); unset: bpftrace's raw arguments are not known there. */
  rawArgs?(placement: P): RawArgs;
  /**
   * Where SystemTap's caller() and caller_addr() find the return address at
   * the placement (the word at the stack pointer at a function's entry, in
   * kernel or user memory), or why there is none; unset: none at this
   * family's probes (the compiler says so).
   */
  callerAt?(placement: P): CallerPlace;
  /** The probe handler's signature and context set-up. */
  body(p: ProbeCommon & P): BodyShape;
  /** C the handler needs, rendered before it (statement probes: accessors of locals). */
  helpers?(p: ProbeCommon & P): CPart[];
  /**
   * The addresses its kprobes sit on (entry kprobes whose pre handler calls
   * the spec's handlers; not a kretprobe's entry): where another family's
   * kprobe sits too, both go into one shared kprobe.
   */
  kprobePlaces?(probes: (ProbeCommon & P)[]): KprobePlaceClaim[];
  /** The C for all of the spec's probes of this family, in spec order. */
  render(probes: (ProbeCommon & P)[], ctx: RenderContext): FamilyRender;
  /** Where the probe sits, for `guru check` (after "probe N ON (line L)"). */
  where(p: ProbeCommon & P): string;
  /** Lines `guru check` prints for the probe instead of its target list. */
  describe?(p: ProbeCommon & P): string[];
  /** `guru list`: the points matching QUERY (of one of this family's point kinds). */
  list?(query: Pt, facts: ListFacts, opts: ListOptions): ListResult;
}
