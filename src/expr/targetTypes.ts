// What the expression compiler needs to know about the types behind target
// variables for member access (`$file->f_pos`, `$file->f_path.dentry`):
// shapes, sizes and member offsets. The kernel's BTF provides it
// (src/kernelFacts/btfTargetTypes.ts); the compiler sees only this interface.
import type { LoadCType } from './ir.js';

export type TypeShape =
  /** Integers, enums and bool, as the fixed-width type they are read as. */
  | { kind: 'int'; ctype: LoadCType }
  /** A pointer; `to` is the pointed-to type, undefined for void *. */
  | { kind: 'pointer'; to?: number }
  /** A struct or union with its members (id: the complete definition's). */
  | { kind: 'record'; id: number; text: string }
  /** An array of LENGTH elements of type ELEM (0: a flexible array): its address is the value (as in C). */
  | { kind: 'array'; elem: number; length: number }
  /** Anything else (floating point, functions, incomplete types), described. */
  | { kind: 'other'; text: string };

export interface MemberInfo {
  /** Byte offset from the start of the record. */
  offset: number;
  typeId: number;
  bitfield: boolean;
}

export interface TargetTypes {
  shape(typeId: number): TypeShape;
  /** Size in bytes of a type (an array element's stride); undefined when it has none (void, functions). */
  size(typeId: number): number | undefined;
  /** C text of a type, for messages (`struct file *`). */
  cType(typeId: number): string;
  /** Member NAME of record RECORD (anonymous inner structs and unions are looked into, as C does). */
  member(record: number, name: string): MemberInfo | undefined;
  /** Names a member of RECORD can be spelled as, for hints. */
  memberNames(record: number): string[];
  /** The complete struct or union named NAME, if the types have it. */
  findRecord(kind: 'struct' | 'union', name: string): number | undefined;
  /** Kernel function NAME's prototype, for typed kernel calls; undefined when the types have none. */
  functionPrototype?(name: string): FunctionPrototype | undefined;
}

export interface FunctionPrototype {
  /** The C declaration, e.g. `void key_put(struct key *key)`. */
  declaration: string;
  /** The return type's C text (`void`, `int`). */
  returns: string;
  params: { name: string; typeId: number; cType: string }[];
  variadic: boolean;
}
