// One variable at one address of a statement probe: its DWARF location
// (as the reader classified it) turned into something a kprobe handler (or,
// at a user statement, a uprobe handler: the task's user registers) can do
// with struct pt_regs, or the reason it cannot be reached there.
import type { ScopeVariable, VariableLocation } from '../../debuginfo/dwarf/dwarfInfo.js';
import type { LocalLocation, LocalScalar, RegsAddress } from '../../expr/localAccess.js';
import { ptRegsField, ptRegsFieldByName } from './ptRegs.js';

/** What the resolver knows about the frame at a probe address. */
export interface SiteFrame {
  /** The CFA at the address, when call-frame information describes it in pt_regs terms. */
  cfa: RegsAddress | undefined;
  /** The function whose entry an entry value refers to (the out-of-line function holding the address). */
  entryFunction: string;
  /** The CFA at that function's first instruction. */
  entryCfa: RegsAddress | undefined;
  /** What runs at the address, for messages: `kprobe handler`, `uprobe handler`. */
  handler: string;
  /** Whether a register's value at the function's entry can be captured (kernel statements: an entry kprobe). */
  entryValues: boolean;
}

export type LocalResolution = { ok: true; where: LocalLocation } | { ok: false; why: string };

const fail = (why: string): LocalResolution => ({ ok: false, why });
const ok = (where: LocalLocation): LocalResolution => ({ ok: true, where });

/** A frame-relative place: the CFA (via call-frame information) or a register. */
function frameAddress(base: string, offset: number, frame: SiteFrame, what: string): RegsAddress | string {
  if (base === 'cfa') {
    if (!frame.cfa) return `${what} the frame (CFA${offset >= 0 ? '+' : ''}${offset}), but no call-frame information describes the CFA at this address`;
    return { base: frame.cfa.base, offset: frame.cfa.offset + offset };
  }
  if (base === 'fb') return `${what} a frame base guru cannot compute`;
  const reg = ptRegsFieldByName(base);
  if (!reg || reg === 'ip') return `${what} ${base}, which is not in pt_regs`;
  return { base: reg, offset };
}

/** A constant brought into the variable's width, as the type reads it. */
function constant(value: bigint, scalar: LocalScalar): LocalLocation {
  const bits = scalar.bytes * 8;
  const v = scalar.kind === 'signed' ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  return { kind: 'constant', value: v.toString() };
}

export function localLocation(location: VariableLocation, scalar: LocalScalar, frame: SiteFrame): LocalResolution {
  switch (location.kind) {
    case 'register': {
      const reg = ptRegsField(location.dwarfReg);
      if (!reg || reg === 'ip') return fail(`it is in ${location.reg}, which a ${frame.handler} cannot reach`);
      return ok({ kind: 'register', reg });
    }
    case 'memory': {
      const at = frameAddress(location.base, location.offset, frame, 'it is in memory relative to');
      return typeof at === 'string' ? fail(at) : ok({ kind: 'memory', at });
    }
    case 'address': {
      const at = frameAddress(location.base, location.offset, frame, 'it is an address relative to');
      return typeof at === 'string' ? fail(at) : ok({ kind: 'address', at });
    }
    case 'computed': {
      const base = ptRegsField(location.dwarfReg);
      if (!base || base === 'ip') return fail(`it is computed from ${location.reg}, which a ${frame.handler} cannot reach`);
      return ok({ kind: 'address', at: { base, offset: location.offset } });
    }
    case 'static':
      return ok({ kind: 'static', address: `0x${location.address.toString(16)}` });
    case 'value':
      return ok(constant(location.value, scalar));
    case 'implicit': {
      const bytes = Buffer.from(location.bytes, 'hex');
      if (bytes.length === 0 || bytes.length > 8) return fail(`it is a ${bytes.length}-byte constant`);
      let v = 0n;
      for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
      return ok(constant(v, scalar));
    }
    case 'entry_value': {
      const reg = ptRegsField(location.dwarfReg);
      if (!reg || reg === 'ip' || reg === 'sp') return fail(`it is the value ${location.reg} had on entry to ${frame.entryFunction}, which guru cannot capture`);
      if (!frame.entryValues) return fail(`it is the value ${location.reg} had on entry to ${frame.entryFunction}, which guru captures at kernel statement probes only`);
      if (!frame.cfa || !frame.entryCfa) {
        return fail(`it is the value ${location.reg} had on entry to ${frame.entryFunction}, and without call-frame information guru cannot tell a capture of this very call from an older one`);
      }
      return ok({ kind: 'entry', reg, function: frame.entryFunction, entryCfa: frame.entryCfa, cfa: frame.cfa });
    }
    case 'pieces': {
      // A scalar described as one piece covering it is just that piece.
      const [only] = location.pieces;
      if (location.pieces.length === 1 && only && only.sizeBytes >= scalar.bytes) return localLocation(only.location, scalar, frame);
      return fail(`it is split into ${location.pieces.length} pieces (${location.pieces.map((p) => `${p.sizeBytes} bytes ${p.location.kind.replace('_', ' ')}`).join(', ')})`);
    }
    case 'optimized_out':
      return fail('it is optimised out');
    case 'unsupported':
      return fail(`its value is computed by a DWARF expression a probe does not evaluate (${location.ops})`);
  }
}

/** Shorthand used by the resolver: a variable found at a site. */
export function siteLocal(v: ScopeVariable, frame: SiteFrame): LocalResolution {
  if (!v.scalar) return fail(`it is a ${v.cType}; only integers and pointers can be read`);
  return localLocation(v.location, v.scalar, frame);
}
