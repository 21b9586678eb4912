// `where:` guards (the spec default and per-probe overrides): which tasks a
// probe acts for. Every key present must hold; a list means "any of".
import { isMap, isScalar, isSeq } from 'yaml';
import { checkCommPattern } from './commPattern.js';
import { mapScalarText, spanInScalar } from './scalarTextMap.js';
import { describeNode, integerValue, isNullNode, stringValue, type MapEntry, type SpecSource, type ValueNode } from './specSource.js';
import type { Guard } from './types.js';

const GUARD_KEYS = ['uid', 'pid', 'comm'] as const;

/** (uid_t)-1 means "no uid" to the kernel, so the largest real uid is one less. */
const UID_MAX = 4_294_967_294;
/** PID_MAX_LIMIT on 64-bit kernels. */
const PID_MAX = 4_194_304;

/**
 * `context` says where the guard is, for messages: the spec's default
 * `where:` or a probe's own. Returns undefined (after reporting) when the
 * guard is not a mapping.
 */
export function parseGuard(source: SpecSource, entry: MapEntry, context: 'spec' | 'probe'): Guard | undefined {
  const node = entry.value;
  if (isNullNode(node)) {
    source.error(
      source.valueSpan(entry),
      'where: is empty',
      context === 'probe'
        ? 'list uid/pid/comm conditions, or write where: {} to drop the default guard for this probe'
        : 'list uid/pid/comm conditions, or delete where:',
    );
    return undefined;
  }
  if (!isMap(node)) {
    source.error(source.valueSpan(entry), `where: must be a mapping of conditions, not ${describeNode(node)}`, 'e.g. where: { uid: 1000, comm: echo }');
    return undefined;
  }
  const guard: Guard = { span: source.spanOf(node) };
  const entries = source.entries(node, {
    known: GUARD_KEYS,
    what: 'where',
    synonyms: { user: 'uid', execname: 'comm', process: 'comm', name: 'comm', command: 'comm', tid: 'pid' },
  });
  const uid = entries.get('uid');
  if (uid) guard.uid = idList(source, uid, 0, UID_MAX);
  const pid = entries.get('pid');
  if (pid) guard.pid = idList(source, pid, 1, PID_MAX);
  const comm = entries.get('comm');
  if (comm) guard.comm = commList(source, comm);
  return guard;
}

/** Items of a scalar-or-list value; reports a missing value and an empty list. */
function items(source: SpecSource, entry: MapEntry, example: string): ValueNode[] {
  const { key, value } = entry;
  if (isNullNode(value)) {
    source.error(source.valueSpan(entry), `${key}: has no value`, `e.g. ${key}: ${example} or ${key}: [${example}, ...]`);
    return [];
  }
  if (isSeq(value)) {
    if (value.items.length === 0) {
      source.error(source.spanOf(value), `${key}: is an empty list, which matches nothing`, `list at least one, e.g. ${key}: [${example}], or delete ${key}:`);
    }
    return value.items.map((item) => source.resolve(item));
  }
  return [value];
}

function idList(source: SpecSource, entry: MapEntry, min: number, max: number): number[] {
  const key = entry.key;
  const example = key === 'uid' ? '1000' : '1234';
  const ids: number[] = [];
  for (const item of items(source, entry, example)) {
    const value = integerValue(item);
    if (item === null || value === undefined) {
      const text = stringValue(item);
      const hint =
        text !== undefined && /^[0-9]+$/.test(text.trim())
          ? `remove the quotes: ${key}: ${text.trim()}`
          : key === 'uid' && text !== undefined && /^[a-z_][a-z0-9_-]*$/.test(text)
            ? `uid takes numeric ids; \`id -u ${text}\` prints the one for ${text}`
            : `e.g. ${key}: ${example} or ${key}: [${example}, ${Number(example) + 1}]`;
      source.error(item ? source.spanOf(item) : source.valueSpan(entry), `${key} must be an integer, not ${describeNode(item)}`, hint);
      continue;
    }
    if (value < min || value > max) {
      const why = key === 'uid' ? `uids run from 0 to ${UID_MAX}` : `pids run from 1 to ${PID_MAX} (PID_MAX_LIMIT)`;
      source.error(source.spanOf(item), `${key} ${value} is out of range`, why);
      continue;
    }
    ids.push(value);
  }
  return ids;
}

function commList(source: SpecSource, entry: MapEntry): string[] {
  const patterns: string[] = [];
  for (const item of items(source, entry, 'echo')) {
    const pattern = stringValue(item);
    if (!isScalar(item) || pattern === undefined) {
      const hint =
        isScalar(item) && item.value !== null
          ? `quote it: comm: "${String(item.source ?? item.value)}"`
          : 'e.g. comm: echo or comm: [bash, "ba*"]';
      source.error(item ? source.spanOf(item) : source.valueSpan(entry), `comm must be a task name or glob, not ${describeNode(item)}`, hint);
      continue;
    }
    const problem = checkCommPattern(pattern);
    if (problem) {
      const map = mapScalarText(item, pattern, source.text, source.lineCounter);
      source.error(spanInScalar(map, source.file, problem.offset, problem.length), problem.message, problem.hint);
      continue;
    }
    patterns.push(pattern);
  }
  return patterns;
}
