// Call-frame information (DWARF §6.4): for any code address, how to find
// the canonical frame address (CFA) and where the caller's registers are.
// A statement probe needs the CFA because GCC describes locals on the stack
// relative to it (DW_AT_frame_base = DW_OP_call_frame_cfa, then
// DW_OP_fbreg N): at the probe, the CFA is a register from pt_regs plus an
// offset, and that rule changes at every push and pop.
//
// FDEs are indexed once (headers only); an FDE's instructions run when an
// address inside it is first asked about, and its rows are cached.
import type { ElfFile } from '../elf.js';
import { Cursor } from '../cursor.js';
import { DebugInfoError } from '../debugInfoError.js';
import { readFdes, readEncodedPointer, type CallFrameFlavour, type Cie, type Fde } from './callFrameEntries.js';
import { x86RegisterName } from './registers.js';

export type CfaRule =
  /** CFA = register + offset (DW_CFA_def_cfa and friends). */
  | { kind: 'register'; dwarfReg: number; reg: string; offset: number }
  /** CFA = the value of a DWARF expression (DW_CFA_def_cfa_expression). */
  | { kind: 'expression'; expression: Buffer };

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: number }
  /** The value is CFA + offset. */
  | { kind: 'val_offset'; offset: number }
  /** Saved in another register. */
  | { kind: 'register'; dwarfReg: number }
  | { kind: 'expression'; expression: Buffer }
  | { kind: 'val_expression'; expression: Buffer };

export interface CallFrameRow {
  /** [low, high): the addresses this row applies to. */
  low: bigint;
  high: bigint;
  cfa: CfaRule;
  /** Rules set by the CIE or FDE; a register not listed has no rule (undefined). */
  registers: ReadonlyMap<number, RegisterRule>;
}

interface State {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

const cloneState = (s: State): State => ({ cfa: s.cfa, registers: new Map(s.registers) });

/**
 * Run an FDE's instructions (after its CIE's initial ones) into rows. Each
 * DW_CFA_advance_loc / set_loc closes the current row.
 */
export function frameRows(fde: Fde, addressSize = 8): CallFrameRow[] {
  const cie = fde.cie;
  const rows: CallFrameRow[] = [];
  // Every CIE defines the CFA; this placeholder is never seen.
  const state: State = { cfa: { kind: 'register', dwarfReg: 7, reg: x86RegisterName(7), offset: 0 }, registers: new Map() };
  let loc = fde.low;
  run(cie.instructions, cie, state, undefined, addressSize);
  // DW_CFA_restore brings a register back to its CIE rule.
  const cieRules = new Map(state.registers);
  run(fde.instructions, cie, state, cieRules, addressSize, (next) => {
    if (next > loc) rows.push({ low: loc, high: next, cfa: state.cfa, registers: new Map(state.registers) });
    loc = next;
  }, () => loc);
  if (fde.high > loc) rows.push({ low: loc, high: fde.high, cfa: state.cfa, registers: new Map(state.registers) });
  return rows;
}

function run(
  code: Buffer,
  cie: Cie,
  state: State,
  cieRules: Map<number, RegisterRule> | undefined,
  addressSize: number,
  advance: (to: bigint) => void = () => undefined,
  currentLoc: () => bigint = () => 0n,
): void {
  const c = Cursor.over(code);
  const stack: State[] = [];
  const caf = BigInt(cie.codeAlignment);
  const daf = cie.dataAlignment;
  const restore = (reg: number): void => {
    const rule = cieRules?.get(reg);
    if (rule) state.registers.set(reg, rule);
    else state.registers.delete(reg);
  };
  const cfaRegister = (): CfaRule & { kind: 'register' } => {
    if (state.cfa.kind !== 'register') throw new DebugInfoError('DW_CFA_def_cfa_offset after a CFA expression');
    return state.cfa;
  };
  const setCfa = (dwarfReg: number, offset: number): void => {
    state.cfa = { kind: 'register', dwarfReg, reg: x86RegisterName(dwarfReg), offset };
  };
  while (!c.atEnd) {
    const op = c.u8();
    const high = op & 0xc0;
    const low6 = op & 0x3f;
    if (high === 0x40) {
      advance(currentLoc() + BigInt(low6) * caf);
      continue;
    }
    if (high === 0x80) {
      state.registers.set(low6, { kind: 'offset', offset: c.uleb() * daf });
      continue;
    }
    if (high === 0xc0) {
      restore(low6);
      continue;
    }
    switch (op) {
      case 0x00: // nop
        break;
      case 0x01: // set_loc
        advance(cie.pointerEncoding !== 0 ? readEncodedPointer(c, cie.pointerEncoding, 0n, addressSize) : c.uSized(addressSize));
        break;
      case 0x02:
        advance(currentLoc() + BigInt(c.u8()) * caf);
        break;
      case 0x03:
        advance(currentLoc() + BigInt(c.u16()) * caf);
        break;
      case 0x04:
        advance(currentLoc() + BigInt(c.u32()) * caf);
        break;
      case 0x05: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'offset', offset: c.uleb() * daf });
        break;
      }
      case 0x06:
        restore(c.uleb());
        break;
      case 0x07:
        state.registers.set(c.uleb(), { kind: 'undefined' });
        break;
      case 0x08:
        state.registers.set(c.uleb(), { kind: 'same' });
        break;
      case 0x09: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'register', dwarfReg: c.uleb() });
        break;
      }
      case 0x0a: // remember_state
        stack.push(cloneState(state));
        break;
      case 0x0b: { // restore_state: the location is not part of the state
        const saved = stack.pop();
        if (!saved) throw new DebugInfoError('DW_CFA_restore_state without remember_state');
        state.cfa = saved.cfa;
        state.registers = saved.registers;
        break;
      }
      case 0x0c: {
        const reg = c.uleb();
        setCfa(reg, c.uleb());
        break;
      }
      case 0x0d:
        setCfa(c.uleb(), state.cfa.kind === 'register' ? state.cfa.offset : 0);
        break;
      case 0x0e:
        setCfa(cfaRegister().dwarfReg, c.uleb());
        break;
      case 0x0f:
        state.cfa = { kind: 'expression', expression: Buffer.from(c.bytes(c.uleb())) };
        break;
      case 0x10: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'expression', expression: Buffer.from(c.bytes(c.uleb())) });
        break;
      }
      case 0x11: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'offset', offset: c.sleb() * daf });
        break;
      }
      case 0x12: {
        const reg = c.uleb();
        setCfa(reg, c.sleb() * daf);
        break;
      }
      case 0x13:
        setCfa(cfaRegister().dwarfReg, c.sleb() * daf);
        break;
      case 0x14: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'val_offset', offset: c.uleb() * daf });
        break;
      }
      case 0x15: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'val_offset', offset: c.sleb() * daf });
        break;
      }
      case 0x16: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'val_expression', expression: Buffer.from(c.bytes(c.uleb())) });
        break;
      }
      case 0x2e: // GNU_args_size: only matters for unwinding through landing pads
        c.uleb();
        break;
      case 0x2f: {
        const reg = c.uleb();
        state.registers.set(reg, { kind: 'offset', offset: -c.uleb() * daf });
        break;
      }
      default:
        throw new DebugInfoError(`unsupported call frame instruction 0x${op.toString(16)}`);
    }
  }
}

/** The call-frame table of one ELF file. */
export class CallFrameInfo {
  private readonly fdes: Fde[];
  private readonly rowCache = new Map<Fde, CallFrameRow[]>();

  constructor(
    fdes: Fde[],
    readonly flavour: CallFrameFlavour,
    private readonly addressSize = 8,
  ) {
    this.fdes = [...fdes].sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  }

  /**
   * From .debug_frame (what vmlinux has, and what gdb reads first) and
   * .eh_frame (user programs; with -fno-asynchronous-unwind-tables both
   * exist, the start-up code only in .eh_frame); undefined with neither.
   */
  static fromElf(elf: ElfFile): CallFrameInfo | undefined {
    const fdes: Fde[] = [];
    const flavours: CallFrameFlavour[] = [];
    for (const flavour of ['debug_frame', 'eh_frame'] as const) {
      const s = elf.section(`.${flavour}`);
      if (!s) continue;
      const found = readFdes({ flavour, data: elf.readSection(s)!, address: s.addr, addressSize: 8 });
      const covered = new CallFrameInfo(fdes, flavour);
      fdes.push(...found.filter((f) => covered.fdeAt(f.low) === undefined));
      flavours.push(flavour);
    }
    return flavours.length ? new CallFrameInfo(fdes, flavours[0]!) : undefined;
  }

  get fdeCount(): number {
    return this.fdes.length;
  }

  /** The FDE covering ADDRESS. */
  fdeAt(address: bigint): Fde | undefined {
    let lo = 0;
    let hi = this.fdes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.fdes[mid]!;
      if (address < f.low) hi = mid - 1;
      else if (address >= f.high) lo = mid + 1;
      else return f;
    }
    return undefined;
  }

  /** Every row of the FDE covering ADDRESS. */
  rowsAt(address: bigint): CallFrameRow[] {
    const fde = this.fdeAt(address);
    if (!fde) return [];
    let rows = this.rowCache.get(fde);
    if (!rows) {
      rows = frameRows(fde, this.addressSize);
      this.rowCache.set(fde, rows);
    }
    return rows;
  }

  /** The row in effect at ADDRESS. */
  rowAt(address: bigint): CallFrameRow | undefined {
    return this.rowsAt(address).find((r) => address >= r.low && address < r.high);
  }

  /** Every FDE, sorted by address (for tests and listings). */
  allFdes(): readonly Fde[] {
    return this.fdes;
  }
}
