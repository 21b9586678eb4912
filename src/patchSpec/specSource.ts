// One spec file being parsed: its text, the YAML document, and the
// diagnostics collected so far. Every validation step reports through here so
// that parseSpec can return ALL problems at once instead of the first.
import type { ParseProbePoint } from './probePointSyntax.js';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceSpan } from '../diagnostics/diagnostic.js';
import { nearestName } from '../diagnostics/nearestName.js';

/** A value node as it appears in the document: aliases already resolved, `null` when absent. */
export type ValueNode = Node | null;

/** One `key: value` of a mapping, with the key as text. */
export interface MapEntry {
  key: string;
  keyNode: Scalar;
  value: ValueNode;
}

export interface KeySchema {
  /** Keys allowed in this mapping, in the order they are listed in hints. */
  known: readonly string[];
  /** What the mapping is, for messages ("top-level", "probe", "where"). */
  what: string;
  /** Words users plausibly write instead of a key (other tools' vocabulary) → the key. */
  synonyms?: Readonly<Record<string, string>>;
  /** Extra hint for a repeated key, e.g. how to write several probes. */
  duplicateHint?: Readonly<Record<string, string>>;
}

export class SpecSource {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly lineCounter: LineCounter,
    readonly doc: Document.Parsed,
    /** Where problems go: a DiagnosticBag's list when later passes report into the same one. */
    readonly diagnostics: Diagnostic[] = [],
    /** The parser of `on:` (the probe families' spellings, src/probeFamilies/registry.ts). */
    readonly parseProbePoint: ParseProbePoint = () => ({ error: 'no probe point parser', offset: 0, length: 1 }),
  ) {}

  /** Span from `start` to `end` (source offsets), clipped to the first line and at least 1 long. */
  spanBetween(start: number, end: number): SourceSpan {
    const { line, col } = this.lineCounter.linePos(start);
    const lineEnd = this.text.indexOf('\n', start);
    const stop = Math.min(end, lineEnd < 0 ? this.text.length : lineEnd);
    return { file: this.file, line, col, length: Math.max(1, stop - start) };
  }

  /**
   * Span of a node's value on its first line. For a block mapping or list
   * that is its first entry, so the caret never runs into a comment.
   */
  spanOf(node: Node): SourceSpan {
    const [start, valueEnd] = node.range ?? [0, 1];
    if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0) {
      const first: unknown = node.items[0];
      const firstEnd = rangeEnd(isPair(first) ? (first.value ?? first.key) : first);
      if (firstEnd !== undefined) return this.spanBetween(start, firstEnd);
    }
    return this.spanBetween(start, valueEnd);
  }

  /** Where to point for a problem with an entry's value: the key when the value is missing. */
  valueSpan(entry: MapEntry): SourceSpan {
    const value = entry.value;
    return value === null || isNullNode(value) ? this.spanOf(entry.keyNode) : this.spanOf(value);
  }

  error(span: SourceSpan, message: string, hint?: string): void {
    this.diagnostics.push(hint === undefined ? { severity: 'error', message, span } : { severity: 'error', message, span, hint });
  }

  /** The node behind a value, following YAML aliases (`*anchor`) to what they name. */
  resolve(node: unknown): ValueNode {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    if (isScalar(node) || isMap(node) || isSeq(node)) return node;
    return null;
  }

  /**
   * The entries of a mapping, reporting unknown keys (with the nearest valid
   * one), keys that are not plain names, and repeated keys. Unknown and
   * repeated entries are left out of the result so callers see a clean map.
   */
  entries(map: YAMLMap, schema: KeySchema): Map<string, MapEntry> {
    const result = new Map<string, MapEntry>();
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        const span = keyNode ? this.spanOf(keyNode) : this.spanOf(map);
        this.error(span, `${schema.what} keys must be plain names`, `valid keys: ${schema.known.join(', ')}`);
        continue;
      }
      const key = String(keyNode.value);
      const value = this.resolve(pair.value);
      if (!schema.known.includes(key)) {
        this.error(this.spanOf(keyNode), `unknown ${schema.what} key '${key}'`, unknownKeyHint(key, schema));
        continue;
      }
      const first = result.get(key);
      if (first) {
        const firstLine = this.spanOf(first.keyNode).line;
        const extra = schema.duplicateHint?.[key];
        this.error(
          this.spanOf(keyNode),
          `duplicate key '${key}' (first given at line ${firstLine})`,
          extra ?? 'a YAML mapping takes each key once; keep one of them',
        );
        continue;
      }
      result.set(key, { key, keyNode, value });
    }
    return result;
  }

  /**
   * Entries of a mapping whose keys are user-chosen names (vars, params).
   * Only repeated names and non-name keys are reported here.
   */
  namedEntries(map: YAMLMap, what: string): MapEntry[] {
    const result: MapEntry[] = [];
    const seen = new Map<string, Scalar>();
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.error(keyNode ? this.spanOf(keyNode) : this.spanOf(map), `${what} names must be plain names`);
        continue;
      }
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        this.error(
          this.spanOf(keyNode),
          `${what} '${key}' is declared twice (first at line ${this.spanOf(first).line})`,
          'a YAML mapping takes each key once; keep one of them',
        );
        continue;
      }
      seen.set(key, keyNode);
      result.push({ key, keyNode, value: this.resolve(pair.value) });
    }
    return result;
  }
}

function rangeEnd(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[1];
  return undefined;
}

function unknownKeyHint(key: string, schema: KeySchema): string {
  const valid = `valid ${schema.what} keys: ${schema.known.join(', ')}`;
  const suggestion = schema.synonyms?.[key.toLowerCase()] ?? nearestName(key, schema.known);
  return suggestion ? `did you mean '${suggestion}'? ${valid}` : valid;
}

/** A missing value (`key:` with nothing after it) or an explicit null (`~`, `null`). */
export function isNullNode(node: ValueNode): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** How YAML read a value, for "expected X, got Y" messages. */
export function describeNode(node: ValueNode): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    if (typeof v === 'number') return `the number ${String(node.source ?? v)}`;
    if (typeof v === 'boolean') return `the boolean ${String(v)}`;
    if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  }
  return 'an unsupported YAML value';
}

/** The string value of a scalar, or undefined if YAML read it as something else. */
export function stringValue(node: ValueNode): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** The integer value of a scalar, or undefined if it is not a (safe) integer. */
export function integerValue(node: ValueNode): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  return Number.isSafeInteger(node.value) ? node.value : undefined;
}
