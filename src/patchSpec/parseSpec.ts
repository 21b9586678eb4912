// Spec text → Spec (docs/spec.md), or a SpecError carrying every problem found.
//
// Parsing is syntax and shape only: names are not looked up in any kernel
// (that is the resolver's pass) and expressions stay text (the expression
// compiler's job). Everything kept carries a span into the file.
//
// Decisions other passes rely on:
// * A YAML syntax error is reported alone (the first one): after it the
//   document's shape is a guess. Otherwise every shape problem is reported.
// * `do:` absent or `do: []` means no actions: the probe only counts hits
//   (useful for wildcard kprobes). `do:` with nothing after it is an error.
//   `do: EXPR` (one string) is one action.
// * A probe's own `where:` replaces the default guard; `where: {}` drops it.
// * `vars: { n: }` / `{ n: {} }` declare n as s64, global.
// * `kernel.trace("EVENT")` gives tracepoint category `*` (ANY_TRACEPOINT_CATEGORY):
//   the resolver finds the category; guru's spelling is `tracepoint:*:EVENT`.
// * Timers take whole ms or s, 10ms .. 2^31-1 ms (see src/probeFamilies/timer/spelling.ts).
// * Probe points are parsed by the probe families' spellings, handed in
//   (src/parseSpec.ts binds the registry's): this folder knows no kind.
// * `description` is free text: whoever puts it into C must escape it. Every
//   other string that reaches C (probe point parts, comm patterns) has a
//   closed character set checked here.
// * YAML aliases (`*anchor`) are followed.
import { isMap, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { DiagnosticBag } from '../diagnostics/diagnosticBag.js';
import { SpecError } from '../errors.js';
import { parseGuard } from './parseGuard.js';
import { parseParams, parseVars } from './parseDeclarations.js';
import { parseMaps } from './parseMaps.js';
import { parseProbes } from './parseProbes.js';
import { describeNode, integerValue, isNullNode, stringValue, SpecSource, type MapEntry } from './specSource.js';
import type { ParseProbePoint } from './probePointSyntax.js';
import type { Guard, Spec } from './types.js';

export const SPEC_VERSION = 1;

/** Module names are guru_<name>; the kernel caps module names at 55 characters. */
export const SPEC_NAME = /^[a-z][a-z0-9_]{0,47}$/;

const TOP_LEVEL_KEYS = ['guru', 'name', 'description', 'where', 'vars', 'params', 'maps', 'probes'] as const;

const REQUIRED_KEYS: Readonly<Record<string, string>> = {
  guru: 'start the spec with guru: 1 (the spec format version)',
  name: 'add name: my_patch (lowercase letters, digits and _; the module is called guru_<name>)',
  probes: "add probes: with at least one '- on: PROBE_POINT' entry",
};

const TOP_LEVEL_SYNONYMS: Readonly<Record<string, string>> = {
  version: 'guru', filter: 'where', guard: 'where', global: 'vars', globals: 'vars', variables: 'vars',
  var: 'vars', probe: 'probes', parameters: 'params', param: 'params', desc: 'description',
  map: 'maps', aggregates: 'maps', aggregations: 'maps',
};

/**
 * Parse and validate a spec. `file` is how diagnostics name the file (pass
 * the path as the user gave it); PARSE_POINT parses `on:` (the probe
 * families' spellings: src/parseSpec.ts passes the registry's). Throws
 * SpecError with all diagnostics.
 */
export function parseSpecWith(file: string, sourceText: string, parsePoint: ParseProbePoint): Spec {
  const bag = new DiagnosticBag();
  const spec = parseSpecIntoWith(bag, file, sourceText, parsePoint);
  if (!spec || bag.hasErrors()) throw new SpecError(bag.sorted(), sourceText);
  return spec;
}

/**
 * Parse and validate into BAG. A spec with mistakes still comes back when
 * its shape is known, each mistake reported and its part left out (or
 * given its default), so later passes can report their problems in the same
 * run; undefined when YAML cannot be read or the spec is not a mapping.
 */
export function parseSpecIntoWith(bag: DiagnosticBag, file: string, sourceText: string, parsePoint: ParseProbePoint): Spec | undefined {
  const lineCounter = new LineCounter();
  // uniqueKeys off: repeated keys are reported by SpecSource.entries with a better message.
  const doc = parseDocument(sourceText, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const source = new SpecSource(file, sourceText, lineCounter, doc, bag.all, parsePoint);

  // After a syntax error the document's shape is a guess: checking it, or
  // listing the YAML parser's later complaints (nearly always consequences of
  // the first, such as an unclosed '['), only adds confusing follow-on errors.
  // YAML reserves a leading @ (bpftrace's `- @[comm] = count()`), yet reads
  // the value as the plain text it is: guru takes it as written.
  const atStart = (p: YAMLError): boolean => p.code === 'BAD_SCALAR_START' && sourceText[p.pos[0]] === '@';
  const yamlProblems = [...doc.errors.filter((p) => !atStart(p)), ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0]);
  if (yamlProblems.length > 0) {
    reportYamlProblem(source, yamlProblems[0]);
    return undefined;
  }
  return validate(source);
}

function validate(source: SpecSource): Spec | undefined {
  const root = source.doc.contents;
  if (root === null || isNullNode(root)) {
    source.error(source.spanBetween(0, 1), 'spec is empty', 'a spec needs at least guru: 1, name: and probes:');
    return undefined;
  }
  if (!isMap(root)) {
    source.error(source.spanOf(root), `a spec must be a mapping of keys, not ${describeNode(root)}`, `keys: ${TOP_LEVEL_KEYS.join(', ')}`);
    return undefined;
  }
  const entries = source.entries(root, { known: TOP_LEVEL_KEYS, what: 'top-level', synonyms: TOP_LEVEL_SYNONYMS });
  const firstKey = root.items[0]?.key;
  const missingSpan = firstKey ? source.spanOf(source.resolve(firstKey) ?? root) : source.spanOf(root);
  for (const [key, hint] of Object.entries(REQUIRED_KEYS)) {
    if (!entries.has(key)) source.error(missingSpan, `missing required key '${key}'`, hint);
  }

  const guru = entries.get('guru');
  if (guru) checkVersion(source, guru);
  const nameEntry = entries.get('name');
  const name = nameEntry ? checkName(source, nameEntry) : undefined;
  const descriptionEntry = entries.get('description');
  const description = descriptionEntry ? checkDescription(source, descriptionEntry) : undefined;
  const whereEntry = entries.get('where');
  const where: Guard = (whereEntry ? parseGuard(source, whereEntry, 'spec') : undefined) ?? {};
  const paramsEntry = entries.get('params');
  const params = paramsEntry ? parseParams(source, paramsEntry) : [];
  const varsEntry = entries.get('vars');
  const vars = varsEntry ? parseVars(source, varsEntry, params) : [];
  const mapsEntry = entries.get('maps');
  const maps = mapsEntry ? parseMaps(source, mapsEntry) : [];
  const probesEntry = entries.get('probes');
  const probes = probesEntry ? parseProbes(source, probesEntry) : [];

  // A missing or invalid name has been reported; the placeholder only lets the other passes run.
  const spec: Spec = { file: source.file, sourceText: source.text, version: 1, name: name ?? 'unnamed', where, vars, params, maps, probes };
  if (description !== undefined) spec.description = description;
  return spec;
}

function checkVersion(source: SpecSource, entry: MapEntry): void {
  const version = integerValue(entry.value);
  if (version === SPEC_VERSION) return;
  const span = source.valueSpan(entry);
  if (version !== undefined) {
    source.error(span, `unsupported spec version ${version}`, `this guru reads spec version ${SPEC_VERSION}: guru: ${SPEC_VERSION}`);
  } else if (stringValue(entry.value)?.trim() === String(SPEC_VERSION)) {
    source.error(span, `guru: must be the number ${SPEC_VERSION}, not a string`, `remove the quotes: guru: ${SPEC_VERSION}`);
  } else {
    source.error(span, `guru: must be the spec version ${SPEC_VERSION}, not ${describeNode(entry.value)}`, `write guru: ${SPEC_VERSION}`);
  }
}

function checkName(source: SpecSource, entry: MapEntry): string | undefined {
  const name = stringValue(entry.value);
  if (name !== undefined && SPEC_NAME.test(name)) return name;
  const rule = 'a name is a lowercase letter, then up to 47 lowercase letters, digits or _ (the module is guru_<name>)';
  if (name === undefined || name === '') {
    source.error(source.valueSpan(entry), `name: must be a string, not ${name === '' ? 'an empty one' : describeNode(entry.value)}`, rule);
    return undefined;
  }
  const fixed = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 48);
  const suggestion = SPEC_NAME.test(fixed) ? `; e.g. name: ${fixed}` : '';
  source.error(source.valueSpan(entry), `invalid spec name '${name}'`, rule + suggestion);
  return undefined;
}

function checkDescription(source: SpecSource, entry: MapEntry): string | undefined {
  const description = stringValue(entry.value);
  if (description !== undefined && description.trim() !== '') return description;
  if (isNullNode(entry.value) || description !== undefined) {
    source.error(source.valueSpan(entry), 'description: is empty', 'write a sentence saying what the patch does, or delete description:');
  } else {
    source.error(source.valueSpan(entry), `description: must be text, not ${describeNode(entry.value)}`, 'quote it');
  }
  return undefined;
}

function reportYamlProblem(source: SpecSource, problem: YAMLError): void {
  const [start, end] = problem.pos;
  if (problem.code === 'BAD_INDENT' && /^Flow (sequence|mapping)/.test(problem.message)) {
    // YAML notices an unclosed `[` / `{` only where the next entry begins; point at the opener.
    const opener = unclosedFlowOpener(source.text, start);
    if (opener !== undefined) {
      const closer = source.text[opener] === '[' ? ']' : '}';
      source.error(
        source.spanBetween(opener, opener + 1),
        `YAML: '${source.text[opener]}' is never closed`,
        `close the ${closer === ']' ? 'list' : 'mapping'} with '${closer}'`,
      );
      return;
    }
  }
  const lineStart = source.text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = source.text.indexOf('\n', start) < 0 ? source.text.length : source.text.indexOf('\n', start);
  const lineText = source.text.slice(lineStart, lineEnd);
  const hint = yamlHint(problem, lineText);
  if (['BLOCK_AS_IMPLICIT_KEY', 'BAD_SCALAR_START', 'MULTILINE_IMPLICIT_KEY'].includes(problem.code)) {
    // `if: $x > 1 ? 1 : 0`, `- log("n: %d", $n)`: YAML reports where the value starts or
    // resumes; the cause is the unquoted ': ' in it.
    const colon =
      problem.code === 'BAD_SCALAR_START'
        ? source.text.slice(start - 2, start) === ': ' ? start - 2 : -1 // reported just after the ': '
        : source.text.indexOf(': ', start); // reported at the start of the value holding it
    if (colon >= 0 && colon < lineEnd) {
      source.error(source.spanBetween(colon, colon + 1), "YAML: an unquoted ': ' inside a value makes YAML read a key and a value", hint);
      return;
    }
  }
  // Messages for some codes carry " at line L, column C:" and a source excerpt; we print our own.
  const message = problem.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  source.error(source.spanBetween(start, Math.max(end, start + 1)), `YAML: ${message}`, hint);
}

/** Offset of the last `[` or `{` before `limit` that is not closed, ignoring quoted text and comments. */
function unclosedFlowOpener(text: string, limit: number): number | undefined {
  const open: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < limit; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\n' && quote === "'") quote = undefined; // give up on a stray quote at line end
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const lineEnd = text.indexOf('\n', i);
      i = lineEnd < 0 ? limit : lineEnd; // skip the comment
    }
    else if (c === '[' || c === '{') open.push(i);
    else if (c === ']' || c === '}') open.pop();
  }
  return open.at(-1);
}

/** What usually causes a YAML error in a spec, where we can tell. */
function yamlHint(problem: YAMLError, lineText: string): string | undefined {
  // The value on the error's line (`- VALUE` or `key: VALUE`), to show it quoted.
  const entry = /^\s*(-\s+|[A-Za-z_$][\w$]*:\s+)(.*?)\s*$/.exec(lineText);
  const quoted = entry ? `${entry[1].trim()} '${entry[2].replace(/'/g, "''")}'` : undefined;
  // `- *ptr = 1`, `if: !fix`: YAML reads a leading * & ! as alias, anchor, tag.
  if (entry && quoted && /^[*&!%@`]/.test(entry[2])) {
    return `a leading '${entry[2][0]}' means something else in YAML; quote the expression: ${quoted}`;
  }
  const message = problem.message;
  switch (problem.code) {
    case 'TAB_AS_INDENT':
      return 'YAML indents with spaces only; replace the tab';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BAD_SCALAR_START':
      if (entry && quoted && entry[2].includes(': ')) return `quote the whole expression: ${quoted}`;
      return problem.code === 'MULTILINE_IMPLICIT_KEY' ? "a key needs ': ' after it, as in name: value" : undefined;
    case 'BAD_DQ_ESCAPE':
      return 'inside double quotes YAML reads backslash escapes; put the expression in single quotes instead';
    case 'MULTIPLE_DOCS':
      return "a spec is one YAML document; remove the '---' separator";
    case 'TAG_RESOLVE_FAILED':
      return 'a leading ! starts a YAML tag; quote the expression';
    case 'MISSING_CHAR':
      if (/closing .?quote/.test(message)) return 'a quoted string opened earlier is not closed';
      if (/followed by map values/.test(message)) return "a key needs ': ' after it, as in name: value";
      if (/without - indicator/.test(message)) return "list items start with '- ' and line up under each other";
      return undefined;
    case 'BAD_INDENT':
      return 'entries of one mapping or list must start at the same column; check the indentation';
    default:
      return undefined;
  }
}
