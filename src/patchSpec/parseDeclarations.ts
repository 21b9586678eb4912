// `vars:` and `params:`: names the spec declares for its expressions. Bare
// names in expressions resolve to builtins and calls first, so a declaration
// that shadows one of them (or another declaration) is refused here.
import { isMap, isScalar, type YAMLMap } from 'yaml';
import { nearestName } from '../diagnostics/nearestName.js';
import { BUILTIN_NAMES, BUILTIN_PARAM_NAMES, CALL_NAMES, IDENTIFIER } from './reservedNames.js';
import { describeKnobRange, PARAM_TYPE_RANGE, PARAM_TYPES } from './paramRange.js';
import { describeNode, isNullNode, stringValue, type MapEntry, type SpecSource, type ValueNode } from './specSource.js';
import type { ParamDecl, ParamType, VarDecl, VarScope, VarType } from './types.js';

/** Knobs one module may declare (the kernel's params file lists them all in one page). */
export const MAX_PARAMS = 32;
export const MAX_PARAM_NAME = 48;

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

/** An integer scalar exactly as written (a u64 beyond 2^53 keeps its digits); undefined otherwise. */
function bigintValue(node: ValueNode): bigint | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) return undefined;
  const text = String(node.source ?? node.value).replace(/^\+/, '');
  try {
    // YAML 1.2 octal is 0o17; hex 0x1f; both are BigInt syntax as they stand (a minus sign aside).
    return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
  } catch {
    return BigInt(node.value);
  }
}

/**
 * `params:` — knobs, each `name: INITIAL` (an s64) or
 * `name: { value: INITIAL, type: T, min: A, max: B }` (every key optional:
 * value 0, type s64, the type's whole range).
 */
export function parseParams(source: SpecSource, entry: MapEntry): ParamDecl[] {
  const map = entry.value;
  if (isNullNode(map)) return [];
  if (!isMap(map)) {
    source.error(source.valueSpan(entry), `params: must be a mapping of name to initial value, not ${describeNode(map)}`, 'e.g. params: { fix: 1, notify: 0 }');
    return [];
  }
  const params: ParamDecl[] = [];
  for (const paramEntry of source.namedEntries(map, 'parameter')) {
    const { key: name, keyNode, value } = paramEntry;
    const span = source.spanOf(keyNode);
    const problem = declarationNameProblem(name, 'parameter');
    if (problem) {
      source.error(span, problem.message, problem.hint);
      continue;
    }
    if (name.length > MAX_PARAM_NAME) {
      source.error(span, `parameter name '${name}' is longer than ${MAX_PARAM_NAME} characters`, 'pick a shorter name: guru set and guru ps show it');
      continue;
    }
    if (params.length === MAX_PARAMS) {
      source.error(span, `more than ${MAX_PARAMS} parameters`, `a module has at most ${MAX_PARAMS} knobs (and the built-in enabled)`);
      continue;
    }
    // Still declared when in error: the probes that read it are checked without a follow-on "unknown name".
    const decl: ParamDecl = { name, type: 's64', initial: 0n, ...PARAM_TYPE_RANGE.s64, span };
    params.push(decl);
    if (isMap(value)) {
      parseParamFields(source, decl, value);
      continue;
    }
    const initial = bigintValue(value);
    if (initial === undefined) {
      const hint = isScalar(value) && typeof value.value === 'boolean'
        ? `parameters are integers: write ${name}: 1 or ${name}: 0`
        : `parameters are integers (their initial value), e.g. ${name}: 1, or ${name}: { value: 1, type: bool }`;
      source.error(value && !isNullNode(value) ? source.spanOf(value) : span, `parameter ${name} needs an integer initial value, not ${describeNode(value)}`, hint);
      continue;
    }
    if (initial < decl.min || initial > decl.max) {
      source.error(source.spanOf(value!), `parameter ${name}: ${initial} is out of range for its type, ${describeKnobRange(decl)}`, `declare its type: ${name}: { value: ${initial}, type: u64 }`);
      continue;
    }
    decl.initial = initial;
  }
  return params;
}

/** The long form's keys, into DECL (which keeps its defaults where a key is in error). */
function parseParamFields(source: SpecSource, decl: ParamDecl, map: YAMLMap): void {
  const fields = source.entries(map, {
    known: ['value', 'type', 'min', 'max'],
    what: 'parameter',
    synonyms: { initial: 'value', default: 'value', init: 'value', kind: 'type', minimum: 'min', maximum: 'max' },
  });
  const typeField = fields.get('type');
  if (typeField) {
    const type = stringValue(typeField.value);
    if (type !== undefined && PARAM_TYPES.includes(type as ParamType)) {
      decl.type = type as ParamType;
    } else {
      const cType = type === undefined ? undefined : C_TYPE_NAMES[type.trim().replace(/\s+/g, ' ')];
      const nearest = type === undefined ? undefined : nearestName(type, PARAM_TYPES);
      const suggestion = cType ? `for a C ${type}, use ${cType}; ` : nearest ? `did you mean ${nearest}? ` : '';
      source.error(source.valueSpan(typeField), type === undefined ? `parameter type must be a type name, not ${describeNode(typeField.value)}` : `unknown parameter type '${type}'`, `${suggestion}types: ${PARAM_TYPES.join(' ')}`);
    }
  }
  const whole = PARAM_TYPE_RANGE[decl.type];
  Object.assign(decl, whole);
  const bound = (key: 'min' | 'max'): void => {
    const field = fields.get(key);
    if (!field) return;
    const v = bigintValue(field.value);
    if (v === undefined) {
      source.error(source.valueSpan(field), `parameter ${decl.name}: ${key} must be an integer, not ${describeNode(field.value)}`);
    } else if (v < whole.min || v > whole.max) {
      source.error(source.valueSpan(field), `parameter ${decl.name}: ${key} ${v} is outside its type, ${describeKnobRange({ ...decl, ...whole })}`);
    } else {
      decl[key] = v;
    }
  };
  bound('min');
  bound('max');
  if (decl.min > decl.max) {
    source.error(source.valueSpan(fields.get('max') ?? fields.get('min')!), `parameter ${decl.name}: min ${decl.min} is above max ${decl.max}`);
    Object.assign(decl, whole);
  }
  const valueField = fields.get('value');
  const initial = valueField ? bigintValue(valueField.value) : decl.min > 0n || decl.max < 0n ? decl.min : 0n;
  if (initial === undefined) {
    source.error(source.valueSpan(valueField!), `parameter ${decl.name} needs an integer initial value, not ${describeNode(valueField!.value)}`, `e.g. ${decl.name}: { value: 1 }`);
  } else if (initial < decl.min || initial > decl.max) {
    source.error(source.valueSpan(valueField!), `parameter ${decl.name}: initial value ${initial} is out of range: ${decl.name} is ${describeKnobRange(decl)}`);
  } else {
    decl.initial = initial;
  }
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
