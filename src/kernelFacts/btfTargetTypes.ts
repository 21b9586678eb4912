// TargetTypes (member access in expressions) from the target kernel's BTF.
import type { Btf } from '../debuginfo/btf.js';
import type { TargetTypes, TypeShape } from '../expr/targetTypes.js';
import { intCType } from './kernelFunctionSignature.js';

export function btfTargetTypes(btf: Btf): TargetTypes {
  /** A forward declaration (`struct file;`) stands for the complete type of that name, if BTF has one. */
  const complete = (id: number): number => {
    const t = btf.resolve(id);
    if (t?.kind !== 'fwd') return id;
    return btf.findStruct(t.name, t.union ? 'union' : 'struct')?.id ?? id;
  };
  const shape = (typeId: number): TypeShape => {
    const t = btf.resolve(complete(typeId));
    const text = btf.cType(typeId) || 'void';
    if (!t) return { kind: 'other', text };
    switch (t.kind) {
      case 'int': {
        const ctype = t.bool ? 'u8' : intCType(t.size, t.signed);
        return ctype ? { kind: 'int', ctype } : { kind: 'other', text: `${text} (${t.size} bytes)` };
      }
      case 'enum': {
        const ctype = intCType(t.size, t.signed);
        return ctype ? { kind: 'int', ctype } : { kind: 'other', text };
      }
      case 'ptr':
        return t.type === 0 ? { kind: 'pointer' } : { kind: 'pointer', to: t.type };
      case 'struct':
      case 'union':
        return { kind: 'record', id: t.id, text };
      case 'array':
        return { kind: 'array', elem: t.type, length: t.nelems };
      default:
        return { kind: 'other', text };
    }
  };
  const memberNames = (record: number): string[] =>
    (btf.members(record) ?? []).flatMap((m) => (m.name === '' ? memberNames(m.typeId) : [m.name]));
  return {
    shape,
    size: (typeId) => btf.sizeOf(complete(typeId)),
    cType: (typeId) => btf.cType(typeId) || 'void',
    member: (record, name) => {
      const m = btf.member(record, name);
      return m ? { offset: m.offset, typeId: m.typeId, bitfield: m.bitSize !== 0 } : undefined;
    },
    memberNames,
    findRecord: (kind, name) => btf.findStruct(name, kind)?.id,
    functionPrototype: (name) => {
      const proto = btf.findFunction(name);
      return proto && { declaration: proto.declaration, returns: proto.returnType.cType || 'void', params: proto.params.map((p) => ({ name: p.name, typeId: p.typeId, cType: p.cType })), variadic: proto.variadic };
    },
  };
}
