// C rendering of DWARF type DIEs (the same inside-out declarator walk as the
// BTF renderer: pointers and arrays wrap the declarator, base types end it).
import { DW_AT, DW_TAG } from './constants.js';
import type { Die } from './die.js';

const DW_TAG_class_type = 0x02;
const DW_TAG_unspecified_type = 0x3b;

function join(base: string, declarator: string): string {
  if (declarator === '') return base;
  return declarator.startsWith('[') ? `${base}${declarator}` : `${base} ${declarator}`;
}

const QUALIFIERS: Record<number, string> = {
  [DW_TAG.const_type]: 'const',
  [DW_TAG.volatile_type]: 'volatile',
  [DW_TAG.restrict_type]: 'restrict',
  [DW_TAG.atomic_type]: '_Atomic',
};

/** Follow qualifiers to see what they qualify. */
function unqualified(die: Die | undefined): Die | undefined {
  let d = die;
  for (let guard = 0; d && QUALIFIERS[d.tag] !== undefined && guard < 16; guard++) d = d.ref(DW_AT.type);
  return d;
}

/** Render type DIE (undefined = void) as C, declaring DECLARATOR. */
export function renderDwarfType(type: Die | undefined, declarator = '', depth = 0): string {
  if (!type) return join('void', declarator);
  if (depth > 64) return join('/* type loop */ void', declarator);
  const next = (decl: string): string => renderDwarfType(type.ref(DW_AT.type), decl, depth + 1);
  const name = type.name;
  switch (type.tag) {
    case DW_TAG.base_type:
    case DW_TAG.typedef:
    case DW_TAG_unspecified_type:
      return join(name ?? '?', declarator);
    case DW_TAG.structure_type:
    case DW_TAG_class_type:
      return join(`struct ${name ?? '{...}'}`, declarator);
    case DW_TAG.union_type:
      return join(`union ${name ?? '{...}'}`, declarator);
    case DW_TAG.enumeration_type:
      return join(`enum ${name ?? '{...}'}`, declarator);
    case DW_TAG.pointer_type: {
      const target = unqualified(type.ref(DW_AT.type));
      const needsParens = target?.tag === DW_TAG.subroutine_type || target?.tag === DW_TAG.array_type;
      return next(needsParens ? `(*${declarator})` : `*${declarator}`);
    }
    case DW_TAG.array_type: {
      const dims = type.children
        .filter((c) => c.tag === DW_TAG.subrange_type)
        .map((c) => {
          const count = c.constant(DW_AT.count);
          if (count !== undefined) return `[${count}]`;
          const upper = c.constant(DW_AT.upper_bound);
          return upper !== undefined ? `[${upper + 1n}]` : '[]';
        });
      return next(`${declarator}${dims.length ? dims.join('') : '[]'}`);
    }
    case DW_TAG.subroutine_type: {
      const params = type.children
        .filter((c) => c.tag === DW_TAG.formal_parameter || c.tag === DW_TAG.unspecified_parameters)
        .map((c) => (c.tag === DW_TAG.unspecified_parameters ? '...' : renderDwarfType(c.ref(DW_AT.type), '', depth + 1)));
      const prototyped = type.flag(0x27 /* DW_AT_prototyped */);
      const list = params.length ? params.join(', ') : prototyped ? 'void' : '';
      return next(`${declarator}(${list})`);
    }
    default: {
      const q = QUALIFIERS[type.tag];
      if (q !== undefined) {
        const target = unqualified(type.ref(DW_AT.type));
        if (target?.tag === DW_TAG.pointer_type) return next(declarator === '' ? q : `${q} ${declarator}`);
        return `${q} ${next(declarator)}`;
      }
      return join(name ?? `<tag 0x${type.tag.toString(16)}>`, declarator);
    }
  }
}

/** Byte size of a type DIE, following typedefs and qualifiers. */
export function dwarfTypeSize(type: Die | undefined, depth = 0): number | undefined {
  if (!type || depth > 64) return undefined;
  const size = type.number(DW_AT.byte_size);
  if (size !== undefined) return size;
  if (type.tag === DW_TAG.pointer_type) return 8;
  if (type.tag === DW_TAG.array_type) {
    const elem = dwarfTypeSize(type.ref(DW_AT.type), depth + 1);
    if (elem === undefined) return undefined;
    let total = elem;
    for (const c of type.children.filter((d) => d.tag === DW_TAG.subrange_type)) {
      const count = c.constant(DW_AT.count) ?? (c.constant(DW_AT.upper_bound) ?? -1n) + 1n;
      total *= Number(count);
    }
    return total;
  }
  if (type.tag === DW_TAG.typedef || QUALIFIERS[type.tag] !== undefined) return dwarfTypeSize(type.ref(DW_AT.type), depth + 1);
  return undefined;
}

/** How a probe can read a variable of some type: as an integer of BYTES bytes. */
export interface DwarfScalar {
  kind: 'signed' | 'unsigned' | 'pointer';
  bytes: number;
}

const DW_AT_encoding = 0x3e;
const SIGNED_ENCODINGS = new Set([0x05 /* signed */, 0x06 /* signed_char */, 0x0d /* signed_fixed */]);
const UNSIGNED_ENCODINGS = new Set([0x02 /* boolean */, 0x07 /* unsigned */, 0x08 /* unsigned_char */, 0x0e /* unsigned_fixed */, 0x10 /* UTF */]);

/**
 * TYPE as an integer or pointer of at most 8 bytes, following typedefs,
 * qualifiers and an enum's underlying type; undefined for everything else
 * (structs, arrays, floats), which a probe cannot hold in a 64-bit value.
 */
export function dwarfScalarType(type: Die | undefined, depth = 0): DwarfScalar | undefined {
  if (!type || depth > 64) return undefined;
  switch (type.tag) {
    case DW_TAG.pointer_type:
      return { kind: 'pointer', bytes: type.number(DW_AT.byte_size) ?? 8 };
    case DW_TAG.base_type: {
      const bytes = type.number(DW_AT.byte_size);
      const encoding = type.number(DW_AT_encoding);
      if (bytes === undefined || bytes > 8 || encoding === undefined) return undefined;
      if (SIGNED_ENCODINGS.has(encoding)) return { kind: 'signed', bytes };
      if (UNSIGNED_ENCODINGS.has(encoding)) return { kind: 'unsigned', bytes };
      return undefined;
    }
    case DW_TAG.enumeration_type: {
      const underlying = dwarfScalarType(type.ref(DW_AT.type), depth + 1);
      if (underlying) return underlying;
      const bytes = type.number(DW_AT.byte_size);
      if (bytes === undefined || bytes > 8) return undefined;
      // No underlying type recorded: GCC makes an enum signed only when a value is negative.
      const negative = type.children.some((c) => (c.constant(0x1c /* DW_AT_const_value */) ?? 0n) < 0n);
      return { kind: negative ? 'signed' : 'unsigned', bytes };
    }
    case DW_TAG.typedef:
      return dwarfScalarType(type.ref(DW_AT.type), depth + 1);
    default:
      return QUALIFIERS[type.tag] !== undefined ? dwarfScalarType(type.ref(DW_AT.type), depth + 1) : undefined;
  }
}
