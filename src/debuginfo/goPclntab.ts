// The function table of a Go binary's .gopclntab, which the Go runtime
// itself needs (tracebacks, stack growth, the GC), so `go build -ldflags
// "-s -w"` and `strip` keep it when they drop .symtab and DWARF: every Go
// function's name and entry, its end being the next one's entry. The
// layout is the runtime's (src/runtime/symtab.go, pcHeader and functab;
// src/debug/gosym/pclntab.go reads the same):
//
//   Go 1.18+ (magic 0xfffffff0, 1.20+ 0xfffffff1): pcHeader { magic u32;
//   pad u8 u8; minLC u8; ptrSize u8; nfunc int; nfiles uint; textStart
//   uintptr; funcnameOffset, cuOffset, filetabOffset, pctabOffset,
//   pclnOffset uintptr }, then at pclnOffset nfunc+1 functab entries
//   { entryoff u32 (from textStart); funcoff u32 (from pclnOffset) }, each
//   _func beginning { entryOff u32; nameOff i32 (into funcnametab) }.
//   Go 1.16-1.17 (magic 0xfffffffa): no textStart; functab entries
//   { entry uintptr; funcoff uintptr } and _func { entry uintptr; nameOff i32 }.
//
// Only C functions linked into the binary by cgo are not in it.
import { DebugInfoError } from './debugInfoError.js';

export interface GoFunc {
  name: string;
  /** Its entry address, as linked. */
  entry: bigint;
  /** Its size: up to the next function's entry. */
  size: number;
}

/** A Go binary's function table, and whether its Go passes arguments in registers (ABIInternal: Go 1.17 on; undefined where the table's format does not tell: 1.16 and 1.17 share one). */
export interface GoPclntab {
  funcs: GoFunc[];
  registerAbi: boolean | undefined;
}

const MAGIC_118 = 0xfffffff0;
const MAGIC_120 = 0xfffffff1;
const MAGIC_116 = 0xfffffffa;

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

/** The functions of a .gopclntab section's bytes (Go 1.16 and later), in address order. */
export function readGoPclntab(data: Buffer): GoPclntab {
  if (data.length < 8) throw new DebugInfoError('.gopclntab is too short for a header');
  const magic = data.readUInt32LE(0);
  const ptrSize = data[7]!;
  if (data[4] !== 0 || data[5] !== 0 || ptrSize !== 8) throw new DebugInfoError(`.gopclntab header is not a 64-bit Go one (pointer size ${ptrSize})`);
  const word = (i: number): number => Number(data.readBigUInt64LE(8 + i * 8));
  const nfunc = word(0);
  const out: GoFunc[] = [];
  if (magic === MAGIC_118 || magic === MAGIC_120) {
    const textStart = data.readBigUInt64LE(8 + 2 * 8);
    const funcname = word(3);
    const pcln = word(7);
    if (pcln + (nfunc + 1) * 8 > data.length) throw new DebugInfoError('.gopclntab function table runs past the section');
    for (let i = 0; i < nfunc; i++) {
      const entryoff = data.readUInt32LE(pcln + i * 8);
      const funcoff = data.readUInt32LE(pcln + i * 8 + 4);
      const next = data.readUInt32LE(pcln + (i + 1) * 8);
      const nameOff = data.readInt32LE(pcln + funcoff + 4);
      out.push({ name: cString(data, funcname + nameOff), entry: textStart + BigInt(entryoff), size: next - entryoff });
    }
    return { funcs: out, registerAbi: true };
  }
  if (magic === MAGIC_116) {
    const funcname = word(2);
    const pcln = word(6);
    if (pcln + (nfunc + 1) * 16 > data.length) throw new DebugInfoError('.gopclntab function table runs past the section');
    for (let i = 0; i < nfunc; i++) {
      const entry = data.readBigUInt64LE(pcln + i * 16);
      const funcoff = Number(data.readBigUInt64LE(pcln + i * 16 + 8));
      const next = data.readBigUInt64LE(pcln + (i + 1) * 16);
      const nameOff = data.readInt32LE(pcln + funcoff + 8);
      out.push({ name: cString(data, funcname + nameOff), entry, size: Number(next - entry) });
    }
    return { funcs: out, registerAbi: undefined };
  }
  throw new DebugInfoError(`.gopclntab has magic 0x${magic.toString(16)}: a Go release before 1.16, whose table guru does not read`);
}
