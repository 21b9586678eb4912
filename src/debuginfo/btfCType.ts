// C rendering of BTF types: C declarator syntax is inside-out, so rendering
// carries the declarator built so far (e.g. "*buf") and wraps it as it walks
// from the outermost type (pointer, array, qualifier) to the base type.
import type { BtfType } from './btfTypes.js';

export type BtfLookup = (id: number) => BtfType | undefined;

function join(base: string, declarator: string): string {
  if (declarator === '') return base;
  return declarator.startsWith('[') ? `${base}${declarator}` : `${base} ${declarator}`;
}

/** Skip type tags (`__user` etc. in clang-built kernels): they do not change layout. */
function skipTags(lookup: BtfLookup, id: number): BtfType | undefined {
  let t = lookup(id);
  while (t && t.kind === 'type_tag') t = lookup(t.type);
  return t;
}

/** Render type ID as C, declaring DECLARATOR (a name, or '' for an abstract type). */
export function renderCType(lookup: BtfLookup, id: number, declarator = '', depth = 0): string {
  if (depth > 64) return join('/* type loop */ void', declarator);
  const t = lookup(id);
  if (id === 0 || !t) return join('void', declarator);
  const next = (child: number, decl: string): string => renderCType(lookup, child, decl, depth + 1);
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'typedef':
      return join(t.name, declarator);
    case 'struct':
    case 'union':
    case 'enum':
      return join(`${t.kind} ${t.name || '{...}'}`, declarator);
    case 'fwd':
      return join(`${t.union ? 'union' : 'struct'} ${t.name}`, declarator);
    case 'ptr': {
      const target = skipTags(lookup, t.type);
      const needsParens = target?.kind === 'func_proto' || target?.kind === 'array';
      return next(t.type, needsParens ? `(*${declarator})` : `*${declarator}`);
    }
    case 'const':
    case 'volatile':
    case 'restrict': {
      // A qualified pointer is written after the '*' ("char *const p");
      // anything else takes the qualifier in front ("const char *p").
      const target = skipTags(lookup, t.type);
      if (target?.kind === 'ptr') return next(t.type, declarator === '' ? t.kind : `${t.kind} ${declarator}`);
      return `${t.kind} ${next(t.type, declarator)}`;
    }
    case 'type_tag':
      return next(t.type, declarator);
    case 'array':
      return next(t.type, `${declarator}[${t.nelems}]`);
    case 'func_proto': {
      const params = t.params.map((p) => (p.type === 0 && p.name === '' ? '...' : renderCType(lookup, p.type, '', depth + 1)));
      return next(t.returnType, `${declarator}(${params.length === 0 ? 'void' : params.join(', ')})`);
    }
    case 'func':
      return next(t.type, declarator === '' ? t.name : declarator);
    case 'var':
      return next(t.type, declarator === '' ? t.name : declarator);
    case 'datasec':
    case 'decl_tag':
      return join(t.name, declarator);
  }
}
