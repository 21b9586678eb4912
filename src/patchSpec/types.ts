// The parsed, validated patch spec (docs/spec.md), before anything is resolved
// against a kernel. Every piece that a later pass may complain about keeps
// its SourceSpan so the complaint can point into the YAML.
import type { SourceSpan } from '../diagnostics/diagnostic.js';
import type { ParsedProbePoint } from './probePointSyntax.js';

export type VarType = 's64' | 'u64' | 's32' | 'u32' | 'bool';
export type VarScope = 'thread' | 'global';

export interface VarDecl {
  name: string;
  type: VarType;
  scope: VarScope;
  span: SourceSpan;
}

/** The integer types a param may have: those of vars. */
export type ParamType = VarType;

/**
 * A runtime knob (docs/spec.md, "Variables and parameters"): an integer
 * readable in expressions, set at apply time and changed while armed. Its
 * values are those of its type within [min, max].
 */
export interface ParamDecl {
  name: string;
  type: ParamType;
  initial: bigint;
  min: bigint;
  max: bigint;
  span: SourceSpan;
}

/**
 * `maps:` — the size of a map the probes use (`@opens[comm] = count()`):
 * how many keys each CPU holds. NAME is as expressions write it, `@opens`.
 */
export interface MapDecl {
  name: string;
  size: number;
  span: SourceSpan;
}

/** `where:` — every key present must hold. Lists mean "any of". */
export interface Guard {
  uid?: number[];
  pid?: number[];
  /** Exact names or globs (`*`, `?`, `[...]`), compared with the task's comm. */
  comm?: string[];
  span?: SourceSpan;
}

/**
 * A run of an expression's text that sits contiguously on one source line:
 * `text[offset]` is at `line:col`, `text[offset + k]` at `line:col + k`, up to
 * the next segment's offset.
 */
export interface ExprSegment {
  offset: number;
  line: number;
  col: number;
}

/** An expression exactly as written, with where its text starts. */
export interface ExprSource {
  text: string;
  /** Location of the first character of `text`; columns inside are offsets from it. */
  span: SourceSpan;
  /**
   * Present only when `text` is NOT one contiguous run on the span's line
   * (multi-line block/folded scalars, escapes in double-quoted scalars, `''`
   * in single-quoted ones). Use `spanInExpr` (src/patchSpec/exprSpan.ts) to turn
   * an offset in `text` into a file position; it handles both cases.
   */
  segments?: ExprSegment[];
}

export interface ProbeSpec {
  /** Text of `on:` as the user wrote it. */
  on: string;
  /** The probe point it names: one of the probe families' points (ProbePoint in src/probeFamilies/registry.ts). */
  point: ParsedProbePoint;
  span: SourceSpan;
  /** Optional `if:` guard expression. */
  cond?: ExprSource;
  /** `do:` statements: assignments and calls. */
  actions: ExprSource[];
  /** Per-probe `where:` replaces the spec's default guard when present. */
  where?: Guard;
}

export interface Spec {
  file: string;
  sourceText: string;
  version: 1;
  name: string;
  description?: string;
  where: Guard;
  vars: VarDecl[];
  params: ParamDecl[];
  /** Sizes of maps; a map the probes use without one here has the default size. */
  maps: MapDecl[];
  probes: ProbeSpec[];
}
