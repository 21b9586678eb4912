// `vars:` and `params:`: names the spec declares for its expressions. Bare
// names in expressions resolve to builtins and calls first, so a declaration
// that shadows one of them (or another declaration) is refused here.
import { isMap, isScalar } from 'yaml';
import { nearestName } from '../diagnostics/nearestName.js';
import { BUILTIN_NAMES, BUILTIN_PARAM_NAMES, CALL_NAMES, IDENTIFIER } from './reservedNames.js';
import { describeNode, integerValue, isNullNode, stringValue, type MapEntry, type SpecSource } from './specSource.js';
import type { ParamDecl, VarDecl, VarScope, VarType } from './types.js';

const VAR_TYPES: readonly VarType[] = ['s64', 'u64', 's32', 'u32', 'bool'];
const VAR_SCOPES: readonly VarScope[] = ['thread', 'global'];
export const DEFAULT_VAR_TYPE: VarType = 's64';
export const DEFAULT_VAR_SCOPE: VarScope = 'global';

/** C and kernel type names people write, and the var type that holds them. */
const C_TYPE_NAMES: Readonly<Record<string, VarType>> = {
  int: 's32', long: 's64', 'long long': 's64', unsigned: 'u32', 'unsigned int': 'u32', 'unsigned long': 'u64',
  int32_t: 's32', int64_t: 's64', uint32_t: 'u32', uint64_t: 'u64', size_t: 'u64', ssize_t: 's64',
  loff_t: 's64', pid_t: 's32', uid_t: 'u32', i32: 's32', i64: 's64', _Bool: 'bool', boolean: 'bool',
};

/** Why `name` cannot be declared, or undefined if it can. */
export function declarationNameProblem(name: string, what: 'variable' | 'parameter'): { message: string; hint?: string } | undefined {
  if (name.startsWith('$')) {
    const bare = name.slice(1);
    return {
      message: `${what} names do not start with $: $${bare} names a target variable (an argument or local of the probed code)`,
      hint: IDENTIFIER.test(bare) ? `declare it as ${bare} and use it as ${bare} in expressions` : undefined,
    };
  }
  if (!IDENTIFIER.test(name)) {
    const fixed = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    return {
      message: `'${name}' is not a valid ${what} name`,
      hint: `names are letters, digits and _, not starting with a digit${IDENTIFIER.test(fixed) ? `, e.g. ${fixed}` : ''}`,
    };
  }
  const builtin = BUILTIN_NAMES.get(name);
  if (builtin !== undefined) {
    return {
      message: `${what} '${name}' clashes with the builtin ${name} (${builtin})`,
      hint: `pick another name, e.g. my_${name}; builtins: ${[...BUILTIN_NAMES.keys()].join(' ')}`,
    };
  }
  if (CALL_NAMES.includes(name)) {
    return {
      message: `${what} '${name}' clashes with the function ${name}()`,
      hint: `pick another name, e.g. my_${name}; functions: ${CALL_NAMES.join(' ')}`,
    };
  }
  if (BUILTIN_PARAM_NAMES.includes(name)) {
    return {
      message: `${what} '${name}' clashes with the built-in parameter ${name}`,
      hint: `every module has '${name}' already (guru set NAME ${name}=0); pick another name`,
    };
  }
  return undefined;
}

export function parseParams(source: SpecSource, entry: MapEntry): ParamDecl[] {
  const map = entry.value;
  if (isNullNode(map)) return [];
  if (!isMap(map)) {
    source.error(source.valueSpan(entry), `params: must be a mapping of name to initial value, not ${describeNode(map)}`, 'e.g. params: { fix: 1, notify: 0 }');
    return [];
  }
  const params: ParamDecl[] = [];
  for (const { key: name, keyNode, value } of source.namedEntries(map, 'parameter')) {
    const span = source.spanOf(keyNode);
    const problem = declarationNameProblem(name, 'parameter');
    if (problem) {
      source.error(span, problem.message, problem.hint);
      continue;
    }
    const initial = integerValue(value);
    if (initial === undefined) {
      const hint = isScalar(value) && typeof value.value === 'boolean'
        ? `parameters are integers: write ${name}: 1 or ${name}: 0`
        : `parameters are integers (their initial value), e.g. ${name}: 1`;
      source.error(value && !isNullNode(value) ? source.spanOf(value) : span, `parameter ${name} needs an integer initial value, not ${describeNode(value)}`, hint);
      // Still declared: the probes that read it are checked without a follow-on "unknown name".
      params.push({ name, initial: 0, span });
      continue;
    }
    params.push({ name, initial, span });
  }
  return params;
}

export function parseVars(source: SpecSource, entry: MapEntry, params: readonly ParamDecl[]): VarDecl[] {
  const map = entry.value;
  if (isNullNode(map)) return [];
  if (!isMap(map)) {
    source.error(source.valueSpan(entry), `vars: must be a mapping of name to { type, scope }, not ${describeNode(map)}`, 'e.g. vars: { orig: { type: u64, scope: thread } }');
    return [];
  }
  const vars: VarDecl[] = [];
  for (const varEntry of source.namedEntries(map, 'variable')) {
    const { key: name, keyNode, value } = varEntry;
    const span = source.spanOf(keyNode);
    const problem = declarationNameProblem(name, 'variable');
    if (problem) {
      source.error(span, problem.message, problem.hint);
      continue;
    }
    const param = params.find((p) => p.name === name);
    if (param) {
      source.error(span, `variable '${name}' clashes with the parameter ${name} (line ${param.span.line})`, 'a name is either a var or a param; rename one of them');
      continue;
    }
    const decl: VarDecl = { name, type: DEFAULT_VAR_TYPE, scope: DEFAULT_VAR_SCOPE, span };
    if (isNullNode(value)) {
      vars.push(decl); // `orig:` or `orig: {}` — all defaults
      continue;
    }
    if (!isMap(value)) {
      const written = stringValue(value);
      const hint = written !== undefined && VAR_TYPES.includes(written as VarType)
        ? `write ${name}: { type: ${written} }`
        : `e.g. ${name}: { type: u64, scope: thread }`;
      source.error(source.valueSpan(varEntry), `variable ${name} must be declared as { type, scope }, not ${describeNode(value)}`, hint);
      vars.push(decl); // still declared, with the defaults: no follow-on "unknown name" where probes use it
      continue;
    }
    const fields = source.entries(value, {
      known: ['type', 'scope'],
      what: 'variable',
      synonyms: { kind: 'type', storage: 'scope', per: 'scope' },
    });
    const typeField = fields.get('type');
    if (typeField) {
      const type = stringValue(typeField.value);
      if (type !== undefined && VAR_TYPES.includes(type as VarType)) {
        decl.type = type as VarType;
      } else {
        const cType = type === undefined ? undefined : C_TYPE_NAMES[type.trim().replace(/\s+/g, ' ')];
        const nearest = type === undefined ? undefined : nearestName(type, VAR_TYPES);
        const suggestion = cType ? `for a C ${type}, use ${cType}; ` : nearest ? `did you mean ${nearest}? ` : '';
        const message = type === undefined ? `variable type must be a type name, not ${describeNode(typeField.value)}` : `unknown variable type '${type}'`;
        source.error(source.valueSpan(typeField), message, `${suggestion}types: ${VAR_TYPES.join(' ')}`);
      }
    }
    const scopeField = fields.get('scope');
    if (scopeField) {
      const scope = stringValue(scopeField.value);
      if (scope !== undefined && VAR_SCOPES.includes(scope as VarScope)) {
        decl.scope = scope as VarScope;
      } else {
        const nearest = scope === undefined ? undefined : nearestName(scope, VAR_SCOPES);
        source.error(
          source.valueSpan(scopeField),
          scope === undefined ? `variable scope must be thread or global, not ${describeNode(scopeField.value)}` : `unknown variable scope '${scope}'`,
          `${nearest ? `did you mean ${nearest}? ` : ''}scope is thread (one value per task) or global (one shared value)`,
        );
      }
    }
    // A field in error keeps its default: the spec is refused anyway, but the
    // probes that use the variable are still checked without a follow-on error.
    vars.push(decl);
  }
  return vars;
}
