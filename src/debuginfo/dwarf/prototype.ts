// The prototype of the out-of-line function whose code starts at an
// address, from DWARF: its return type and its formal parameters in
// declaration order, each typed. What a probe at a user function's entry
// needs to name the arguments (src/probeFamilies/uprobe/entryArguments.ts
// places them by the calling convention) and `guru list -v` to show them.
//
// Go describes a function's results as formal parameters too, marked
// DW_AT_variable_parameter (`func traceme(a, b int) (ret int)` has three);
// they are the prototype's results here. Which calling convention a
// function has is the unit's: C's System V one, or for Go (DW_LANG_Go)
// its register ABI (ABIInternal, Go 1.17 on, said by the producer's
// "regabi") or, before it, everything on the stack.
import { DW_AT, DW_TAG } from './constants.js';
import { dwarfScalarType, dwarfTypeSize, renderDwarfType, type DwarfScalar } from './cType.js';
import type { Die } from './die.js';
import { dieRanges } from './ranges.js';
import { scopeChainAt } from './scopes.js';
import type { DwarfUnit } from './unit.js';

const DW_AT_encoding = 0x3e;
const DW_ATE_complex_float = 0x03;
const DW_ATE_float = 0x04;

/** A type as a prototype shows it. */
export interface PrototypeType {
  /** C spelling (`const char *`); `void` for none. */
  cType: string;
  size: number | undefined;
  /** An integer or pointer of at most 8 bytes (see dwarfScalarType). */
  scalar: DwarfScalar | undefined;
  /** A float, double or long double (or a complex one). */
  float: boolean;
  void: boolean;
}

export interface PrototypeParameter {
  /** Undefined for an unnamed parameter. */
  name: string | undefined;
  type: PrototypeType;
}

/** How arguments and results travel (entryArguments.ts places them). */
export type CallingConvention = 'sysv' | 'go-register' | 'go-stack';

export interface FunctionPrototype {
  name: string;
  /** The return type: for Go, the first result's (void when none). */
  returns: PrototypeType;
  params: PrototypeParameter[];
  /** Go's results in order (the first is `returns`); empty for C. */
  results: PrototypeParameter[];
  convention: CallingConvention;
  /** `...` after the named parameters. */
  variadic: boolean;
  declFile: string | undefined;
  declLine: number | undefined;
  /** `int traceme(int a, int b)`; for Go `func main.traceme(a int, b int) (ret int)` */
  declaration: string;
}

const DW_LANG_Go = 0x16;

function conventionOf(unit: DwarfUnit): CallingConvention {
  const root = unit.tree();
  if (root.number(DW_AT.language) !== DW_LANG_Go) return 'sysv';
  return /\bregabi\b/.test(root.string(DW_AT.producer) ?? '') ? 'go-register' : 'go-stack';
}

/** Follow typedefs and qualifiers to the type that decides how a value is passed. */
function underlying(type: Die | undefined): Die | undefined {
  let t = type;
  for (let guard = 0; t && (t.tag === DW_TAG.typedef || t.tag === DW_TAG.const_type || t.tag === DW_TAG.volatile_type || t.tag === DW_TAG.restrict_type || t.tag === DW_TAG.atomic_type) && guard < 64; guard++) {
    t = t.ref(DW_AT.type);
  }
  return t;
}

/** GO: spell it as Go does (its DWARF names every type: `*int`, `string`, `[]byte`), not in C's words. */
function prototypeType(type: Die | undefined, go = false): PrototypeType {
  const u = underlying(type);
  const encoding = u?.tag === DW_TAG.base_type ? u.number(DW_AT_encoding) : undefined;
  return {
    cType: (go && type?.name) || renderDwarfType(type),
    size: dwarfTypeSize(type),
    scalar: dwarfScalarType(type),
    float: encoding === DW_ATE_float || encoding === DW_ATE_complex_float,
    void: type === undefined,
  };
}

/**
 * The prototype of the function whose out-of-line body starts at ADDRESS
 * (its DW_AT_low_pc or the start of one of its ranges) in one of UNITS (those
 * covering ADDRESS), or undefined when no function's DWARF starts there.
 */
export function functionPrototypeAt(units: readonly DwarfUnit[], address: bigint, fileName: (d: Die, index: number | undefined) => string | undefined): FunctionPrototype | undefined {
  for (const unit of units) {
    const sub = scopeChainAt(unit.tree(), address)[0];
    if (!sub || sub.tag !== DW_TAG.subprogram) continue;
    const ranges = dieRanges(sub);
    if (!ranges.some((r) => r.low === address)) continue;
    const decl = sub.origin();
    // A concrete out-of-line copy lists its parameters itself, pointing at the abstract ones.
    const convention = conventionOf(unit);
    const paramDies = sub.children.filter((c) => c.tag === DW_TAG.formal_parameter);
    const typed = (p: Die): PrototypeParameter => ({ name: p.name, type: prototypeType(p.ref(DW_AT.type) ?? p.origin().ref(DW_AT.type), convention !== 'sysv') });
    const isResult = (p: Die): boolean => convention !== 'sysv' && p.flag(DW_AT.variable_parameter);
    const params = paramDies.filter((p) => !isResult(p)).map(typed);
    const results = paramDies.filter(isResult).map(typed);
    const variadic = sub.children.some((c) => c.tag === DW_TAG.unspecified_parameters) || decl.children.some((c) => c.tag === DW_TAG.unspecified_parameters);
    const returns = convention === 'sysv' ? prototypeType(sub.ref(DW_AT.type) ?? decl.ref(DW_AT.type)) : results[0]?.type ?? prototypeType(undefined);
    const name = sub.name ?? '?';
    let declaration: string;
    if (convention === 'sysv') {
      const list = params.map((p) => (p.name ? declare(p.type.cType, p.name) : p.type.cType));
      if (variadic) list.push('...');
      declaration = declare(returns.cType, `${name}(${list.length ? list.join(', ') : 'void'})`);
    } else {
      const goList = (ps: PrototypeParameter[]): string => ps.map((p) => (p.name ? `${p.name} ${p.type.cType}` : p.type.cType)).join(', ');
      declaration = `func ${name}(${goList(params)})${results.length ? ` (${goList(results)})` : ''}`;
    }
    return {
      name,
      returns,
      params,
      results,
      convention,
      variadic,
      declFile: fileName(decl, decl.number(DW_AT.decl_file)),
      declLine: decl.number(DW_AT.decl_line),
      declaration,
    };
  }
  return undefined;
}

/** `int a`, `char *s`: a name after its type's spelling. */
function declare(cType: string, name: string): string {
  return cType.endsWith('*') ? `${cType}${name}` : `${cType} ${name}`;
}
