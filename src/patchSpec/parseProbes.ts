// `probes:` — the list of probe points and what each does. Expressions are
// kept as text (the expression compiler parses them) but with their exact
// position in the file, so that compiler can point inside them.
import { isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import { parseGuard } from './parseGuard.js';
import { isProbePointError } from './probePointSyntax.js';
import { exprSourceOf, mapScalarText, spanInScalar } from './scalarTextMap.js';
import { describeNode, isNullNode, stringValue, type MapEntry, type SpecSource, type ValueNode } from './specSource.js';
import type { SourceSpan } from '../diagnostics/diagnostic.js';
import type { ExprSource, ProbeSpec } from './types.js';

const PROBE_KEYS = ['on', 'if', 'do', 'where'] as const;

const PROBE_KEY_SYNONYMS: Readonly<Record<string, string>> = {
  probe: 'on', at: 'on', point: 'on',
  when: 'if', cond: 'if', condition: 'if', guard: 'if', filter: 'if', predicate: 'if',
  action: 'do', actions: 'do', then: 'do', run: 'do', body: 'do', handler: 'do',
};

export function parseProbes(source: SpecSource, entry: MapEntry): ProbeSpec[] {
  const list = entry.value;
  const example = "e.g. probes: [ { on: syscall:write, do: 'log(\"write\")' } ]";
  if (isNullNode(list) || (isSeq(list) && list.items.length === 0)) {
    source.error(source.valueSpan(entry), 'probes: must list at least one probe', `add '- on: PROBE_POINT' entries under probes:, ${example}`);
    return [];
  }
  if (!isSeq(list)) {
    const hint = isMap(list) ? "probes: is a list: start each probe with '- ', as in '- on: syscall:write'" : example;
    source.error(source.valueSpan(entry), `probes: must be a list of probes, not ${describeNode(list)}`, hint);
    return [];
  }
  const probes: ProbeSpec[] = [];
  for (const item of list.items) {
    const probe = parseProbe(source, source.resolve(item), entry);
    if (probe) probes.push(probe);
  }
  return probes;
}

function parseProbe(source: SpecSource, node: ValueNode, owner: MapEntry): ProbeSpec | undefined {
  if (!isMap(node)) {
    const text = stringValue(node);
    const hint = text !== undefined ? `write '- on: ${text}'` : "each probe is a mapping: '- on: PROBE_POINT' with optional if:, do:, where:";
    const span = node ? nullValueSpan(source, node, owner) : source.spanOf(owner.keyNode);
    source.error(span, `a probe must be a mapping with on:, not ${describeNode(node)}`, hint);
    return undefined;
  }
  const fields = source.entries(node, {
    known: PROBE_KEYS,
    what: 'probe',
    synonyms: PROBE_KEY_SYNONYMS,
    duplicateHint: {
      on: "a probe has one on:; start another list item ('- on: ...') for a second probe point",
      do: 'list all actions under one do:',
      if: 'combine conditions in one if: with &&',
      where: 'put all conditions in one where:',
    },
  });

  const on = fields.get('on');
  let probe: ProbeSpec | undefined;
  if (!on) {
    source.error(firstKeySpan(source, node), 'probe has no on:', 'every probe needs a probe point, e.g. on: syscall:write');
  } else {
    probe = parseOn(source, on);
  }

  const ifField = fields.get('if');
  const cond = ifField ? expression(source, ifField.value, ifField, 'if:') : undefined;

  const actions: ExprSource[] = [];
  const doField = fields.get('do');
  if (doField) {
    const value = doField.value;
    if (isNullNode(value)) {
      source.error(
        source.valueSpan(doField),
        'do: is empty',
        'list actions under it, or delete do: for a probe that only counts hits (do: [] says that explicitly)',
      );
    } else if (isSeq(value)) {
      for (const item of value.items) {
        const action = expression(source, source.resolve(item), doField, 'do: item');
        if (action) actions.push(action);
      }
    } else {
      const action = expression(source, value, doField, 'do:');
      if (action) actions.push(action);
    }
  }

  const whereField = fields.get('where');
  const where = whereField ? parseGuard(source, whereField, 'probe') : undefined;

  if (!probe) return undefined;
  if (cond) probe.cond = cond;
  probe.actions = actions;
  if (where) probe.where = where;
  return probe;
}

function parseOn(source: SpecSource, on: MapEntry): ProbeSpec | undefined {
  const node = on.value;
  const text = stringValue(node);
  if (!isScalar(node) || text === undefined) {
    const hint = isSeq(node) ? 'one probe point per probe: start another list item for each' : 'e.g. on: syscall:write';
    source.error(source.valueSpan(on), `on: must be a probe point, not ${describeNode(node)}`, hint);
    return undefined;
  }
  const map = mapScalarText(node, text, source.text, source.lineCounter);
  const point = source.parseProbePoint(text);
  if (isProbePointError(point)) {
    source.error(spanInScalar(map, source.file, point.offset, point.length), point.error, point.hint);
    return undefined;
  }
  return { on: text, point, span: spanInScalar(map, source.file, 0, text.length), actions: [] };
}

/**
 * An `if:` value or a `do:` item as an ExprSource. `role` names it in
 * messages; `owner` is the entry it belongs to (for a missing value).
 */
function expression(source: SpecSource, node: ValueNode, owner: MapEntry, role: string): ExprSource | undefined {
  if (node === null || isNullNode(node)) {
    const span = node ? nullValueSpan(source, node, owner) : source.spanOf(owner.keyNode);
    const hint = role === 'if:' ? 'write a condition, e.g. if: $count > 1, or delete if:' : 'write an action, e.g. - $count = 1';
    source.error(span, `${role} has no expression`, hint);
    return undefined;
  }
  if (isMap(node)) {
    // Usually an unquoted ': ' inside the expression (`- $n = $n > 1 ? 1 : $n`): point at it.
    const key = node.flow ? undefined : source.resolve(node.items[0]?.key);
    const colon = key?.range ? source.text.indexOf(':', key.range[1]) : -1;
    if (colon >= 0 && node.items.length === 1) {
      source.error(
        source.spanBetween(colon, colon + 1),
        `${role} must be an expression, but an unquoted ': ' made YAML read a key and a value`,
        quoteHint(source, node),
      );
    } else {
      source.error(source.spanOf(node), `${role} must be an expression, but YAML read a mapping here`, quoteHint(source, node));
    }
    return undefined;
  }
  if (isSeq(node)) {
    const hint = role === 'if:' ? 'combine conditions with && in one expression' : 'list every action directly under do:, one level deep';
    source.error(source.spanOf(node), `${role} must be an expression, not a list`, hint);
    return undefined;
  }
  if (!isScalar(node)) return undefined;
  const text = stringValue(node);
  if (text === undefined) {
    source.error(source.spanOf(node), `${role} must be an expression, but YAML read ${describeNode(node)}`, quoteHint(source, node));
    return undefined;
  }
  if (text.trim() === '') {
    source.error(source.spanOf(node), `${role} is an empty expression`, role === 'if:' ? 'write a condition or delete if:' : 'write an action or delete the item');
    return undefined;
  }
  const map = mapScalarText(node, text, source.text, source.lineCounter);
  if (cutByComment(source, node, text)) {
    const [start] = node.range ?? [0];
    const lineEnd = source.text.indexOf('\n', start);
    const whole = source.text.slice(start, lineEnd < 0 ? undefined : lineEnd).trimEnd();
    source.error(
      spanInScalar(map, source.file, 0, text.length),
      "expression is cut short: ' #' starts a YAML comment",
      `quote the whole expression: '${whole.replace(/'/g, "''")}'`,
    );
    return undefined;
  }
  return exprSourceOf(map, source.file, text);
}

/** Where to point for a value: the value itself, or for an empty one the `-` of its list item, or the key. */
function nullValueSpan(source: SpecSource, node: NonNullable<ValueNode>, owner: MapEntry): SourceSpan {
  const [start, end] = node.range ?? [0, 0];
  if (end > start) return source.spanOf(node);
  let dash = start - 1;
  while (dash > 0 && source.text[dash] === ' ') dash--;
  return source.text[dash] === '-' ? source.spanBetween(dash, dash + 1) : source.spanOf(owner.keyNode);
}

/** Suggest quoting a value that YAML turned into something other than a string. */
function quoteHint(source: SpecSource, node: Scalar | YAMLMap): string {
  const [start, end] = node.range ?? [0, 0];
  const raw = source.text.slice(start, end).trimEnd();
  if (raw.includes('\n') || raw.startsWith('{')) return 'expressions are strings; quote the expression';
  return `quote the whole expression: '${raw.replace(/'/g, "''")}'`;
}

/** A plain scalar whose quotes or parentheses are unbalanced and that a comment follows: `log("a #b")`. */
function cutByComment(source: SpecSource, node: Scalar, text: string): boolean {
  if (node.type !== 'PLAIN') return false;
  const [, valueEnd] = node.range ?? [0, 0];
  const lineEnd = source.text.indexOf('\n', valueEnd);
  const rest = source.text.slice(valueEnd, lineEnd < 0 ? undefined : lineEnd);
  if (!/^\s+#/.test(rest)) return false;
  // Cut short if the value alone is unbalanced but the value with the "comment" is balanced.
  return !balanced(text) && balanced(text + rest);
}

function balanced(text: string): boolean {
  const count = (pattern: RegExp): number => (text.match(pattern) ?? []).length;
  return count(/"/g) % 2 === 0 && count(/\(/g) === count(/\)/g);
}

function firstKeySpan(source: SpecSource, map: YAMLMap): SourceSpan {
  const first = map.items[0]?.key;
  const key = source.resolve(first);
  return key ? source.spanOf(key) : source.spanOf(map);
}
