// BTF type records as decoded from the .BTF section (see the kernel's
// Documentation/bpf/btf.rst). Type id 0 is `void` and has no record.

export const BtfKind = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  type: number;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Bitfield width in bits, 0 for an ordinary member. */
  bitSize: number;
}

export interface BtfParam {
  /** Empty for unnamed parameters (function pointer types). */
  name: string;
  /** 0 with an empty name in the last slot means `...`. */
  type: number;
}

export interface BtfEnumerator {
  name: string;
  value: bigint;
}

export interface BtfDatasecVar {
  type: number;
  offset: number;
  size: number;
}

export type BtfType =
  | { kind: 'int'; id: number; name: string; size: number; signed: boolean; char: boolean; bool: boolean; bits: number; bitOffset: number }
  | { kind: 'ptr'; id: number; name: string; type: number }
  | { kind: 'array'; id: number; name: string; type: number; indexType: number; nelems: number }
  | { kind: 'struct' | 'union'; id: number; name: string; size: number; members: BtfMember[] }
  | { kind: 'enum'; id: number; name: string; size: number; signed: boolean; values: BtfEnumerator[] }
  | { kind: 'fwd'; id: number; name: string; union: boolean }
  | { kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag'; id: number; name: string; type: number }
  | { kind: 'func'; id: number; name: string; type: number; linkage: 'static' | 'global' | 'extern' }
  | { kind: 'func_proto'; id: number; name: string; returnType: number; params: BtfParam[] }
  | { kind: 'var'; id: number; name: string; type: number; linkage: number }
  | { kind: 'datasec'; id: number; name: string; size: number; vars: BtfDatasecVar[] }
  | { kind: 'float'; id: number; name: string; size: number }
  | { kind: 'decl_tag'; id: number; name: string; type: number; componentIndex: number };

export type BtfTypeKind = BtfType['kind'];
