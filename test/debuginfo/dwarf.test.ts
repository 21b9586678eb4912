// DWARF reader against gdb as the oracle. A small C program (loops, an
// inlined static function used three times, a struct parameter, lexical
// blocks, a static local) is compiled during the test at -O0 and -O2 (DWARF
// 5) and at -O2 with -gdwarf-4, linked (-no-pie, like vmlinux: absolute
// addresses), and every line and variable the reader reports is compared
// with what gdb prints for the same executable.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDwarf, type DwarfInfo, type ScopeVariable } from '../../src/debuginfo/dwarf/dwarfInfo.js';
import { openElf } from '../../src/debuginfo/elf.js';
import { gdb, gdbLocationAt, parseBreakpoints, parseInfoScope, parseLineTable, type GdbLocation, type GdbLineRow } from './gdbOracle.js';
import { makeTempDir, run } from './toolchain.js';

const SOURCE = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'statements.c'), 'utf8');
const FUNCTIONS = ['sum_points', 'write_like', 'main', 'square', 'clamp'];

const hex = (a: bigint): string => `0x${a.toString(16)}`;

/** "DW_OP_entry_value (DW_OP_reg5); DW_OP_stack_value" → flat op tokens, like the gdb parser's. */
const tokens = (expression: string): string[] =>
  expression === '' ? [] : expression.replace(/\(/g, ';').replace(/\)/g, '').split(';').map((t) => t.trim().replace(/\s+/g, ' '));

function expectSameLocation(v: Pick<ScopeVariable, 'location' | 'expression' | 'name'> & { size?: number }, want: GdbLocation, where: string): void {
  const label = `${v.name} at ${where}`;
  const got = v.location;
  switch (want.kind) {
    case 'register':
      expect({ label, got }).toEqual({ label, got: { kind: 'register', reg: want.reg, dwarfReg: expect.any(Number) } });
      break;
    case 'constant': {
      // gdb prints DW_AT_const_value sign-extended whatever the type; compare within the type's width.
      const bits = BigInt((v.size ?? 8) * 8);
      const norm = (x: bigint): bigint => BigInt.asUintN(Number(bits), x);
      expect({ label, kind: got.kind }).toEqual({ label, kind: 'value' });
      if (got.kind === 'value') expect({ label, value: norm(got.value) }).toEqual({ label, value: norm(want.value) });
      break;
    }
    case 'static':
      expect({ label, got }).toEqual({ label, got: { kind: 'static', address: want.address } });
      break;
    case 'optimized_out':
      expect({ label, got: got.kind }).toEqual({ label, got: 'optimized_out' });
      break;
    case 'ops':
      expect({ label, ops: tokens(v.expression) }).toEqual({ label, ops: want.ops });
      break;
    case 'pieces':
      expect({ label, kind: got.kind }).toEqual({ label, kind: 'pieces' });
      if (got.kind !== 'pieces') return;
      expect(got.pieces.map((p) => p.sizeBytes)).toEqual(want.pieces.map((p) => p.size));
      {
        // Our expression text split at each DW_OP_piece gives each piece's own ops.
        const perPiece: string[][] = [[]];
        for (const t of tokens(v.expression)) {
          if (t.startsWith('DW_OP_piece')) perPiece.push([]);
          else perPiece[perPiece.length - 1]!.push(t);
        }
        got.pieces.forEach((p, i) =>
          expectSameLocation({ name: `${v.name}[piece ${i}]`, location: p.location, expression: perPiece[i]!.join('; '), size: p.sizeBytes }, want.pieces[i]!.location, where),
        );
      }
      break;
    case 'frame_base':
    case 'base_reg':
      expect({ label, got }).toEqual({ label, got: { kind: 'memory', base: want.reg, offset: want.offset } });
      break;
    case 'other':
      throw new Error(`${label}: gdb location not understood by the test: ${want.text}`);
  }
}

/** gdb prints C base types in short form ("long" for "long int"). */
const gdbTypeSpelling = (c: string): string =>
  c
    .replace(/\blong long unsigned int\b/g, 'unsigned long long')
    .replace(/\blong unsigned int\b/g, 'unsigned long')
    .replace(/\bshort unsigned int\b/g, 'unsigned short')
    .replace(/\blong long int\b/g, 'long long')
    .replace(/\blong int\b/g, 'long')
    .replace(/\bshort int\b/g, 'short')
    .replace(/(\w)\[/g, '$1 [');

describe.each([
  ['-O0, DWARF 5', ['-O0']],
  ['-O2, DWARF 5', ['-O2']],
  ['-O2, DWARF 4', ['-O2', '-gdwarf-4']],
])('DWARF reader vs gdb, %s', (_label, flags) => {
  let dir: string;
  let exe: string;
  let dwarf: DwarfInfo;
  let gdbRows: GdbLineRow[];

  beforeAll(() => {
    dir = makeTempDir('dwarf');
    fs.writeFileSync(path.join(dir, 'statements.c'), SOURCE);
    run('gcc', ['-g', ...flags, '-no-pie', '-o', 'prog', 'statements.c'], dir);
    exe = path.join(dir, 'prog');
    dwarf = openDwarf(exe);
    gdbRows = parseLineTable(gdb(exe, ['maint info line-table statements.c']));
  });
  afterAll(() => {
    dwarf.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('unit version matches the requested DWARF version', () => {
    const f = dwarf.findFunctions('main')[0]!;
    expect(dwarf.unitAt(f.unit.offset).version).toBe(flags.includes('-gdwarf-4') ? 4 : 5);
  });

  /**
   * Our is_stmt rows of statements.c, split the way gdb records them: gdb
   * drops a row that repeats the previous row's file and line once that line
   * has had a non-zero discriminator (gdb's dwarf_record_line_p, PR 17276).
   * Those rows are real statement starts and the reader keeps them.
   */
  function ourStatementRows(): { kept: Set<string>; droppedByGdb: Set<string> } {
    const f = dwarf.findFunctions('main')[0]!;
    const table = dwarf.lineTable(dwarf.unitAt(f.unit.offset))!;
    const kept = new Set<string>();
    const droppedByGdb = new Set<string>();
    let lastFile = -1;
    let lastLine = -1;
    let lineHasDiscriminator = false;
    for (const r of table.rows) {
      if (r.endSequence) {
        lastFile = -1;
        lastLine = -1;
        continue;
      }
      if (r.line !== lastLine) lineHasDiscriminator = r.discriminator !== 0;
      else if (r.discriminator !== 0) lineHasDiscriminator = true;
      const repeat = r.file === lastFile && r.line === lastLine && lineHasDiscriminator;
      lastFile = r.file;
      lastLine = r.line;
      if (!r.isStmt || !table.files[r.file]!.path.endsWith('statements.c')) continue;
      (repeat ? droppedByGdb : kept).add(`${r.line}@${hex(r.address)}`);
    }
    for (const k of kept) droppedByGdb.delete(k);
    return { kept, droppedByGdb };
  }

  test('line program: is_stmt rows equal gdb maint info line-table', () => {
    const { kept } = ourStatementRows();
    const theirs = new Set(gdbRows.filter((r) => r.isStmt).map((r) => `${r.line}@${hex(r.address)}`));
    expect(theirs.size).toBeGreaterThan(20);
    expect([...kept].sort()).toEqual([...theirs].sort());
  });

  test('findFunctions: bodies match the ELF symbols; inlined copies are listed with call sites', () => {
    const elf = openElf(exe);
    try {
      for (const name of FUNCTIONS) {
        const found = dwarf.findFunctions(name);
        expect(found.length).toBe(1);
        const f = found[0]!;
        expect(f.declFile).toMatch(/statements\.c$/);
        expect(SOURCE.split('\n')[f.declLine! - 1]).toContain(name);
        const sym = elf.symbols().find((s) => s.name === name && s.type === 'func');
        if (sym) {
          expect(f.outOfLine).toBeDefined();
          expect(f.outOfLine!.entryPc).toBe(sym.value);
          const low = f.outOfLine!.ranges.reduce((m, r) => (r.low < m ? r.low : m), f.outOfLine!.ranges[0]!.low);
          expect(low).toBe(sym.value);
        } else {
          expect(f.outOfLine).toBeUndefined();
        }
        for (const copy of f.inlinedCopies) {
          expect(copy.inlined).toBe(true);
          expect(copy.ranges.length).toBeGreaterThan(0);
          expect(SOURCE.split('\n')[copy.callSite!.line - 1]).toContain(`${name}(`);
        }
      }
      if (flags.includes('-O2')) expect(dwarf.findFunctions('square')[0]!.inlinedCopies.length).toBeGreaterThanOrEqual(3);
      expect(dwarf.findFunctions('no_such_function')).toEqual([]);
    } finally {
      elf.close();
    }
  });

  test('lineAddresses: every gdb breakpoint location, and only is_stmt rows of that line', () => {
    const lines: { fn: string; line: number }[] = [];
    for (const fn of FUNCTIONS) {
      for (const f of dwarf.findFunctions(fn)) {
        for (const l of dwarf.functionLines(f)) if (l.file.endsWith('statements.c')) lines.push({ fn, line: l.line });
      }
    }
    const uniqueLines = [...new Set(lines.map((l) => l.line))].sort((a, b) => a - b);
    const bps = parseBreakpoints(gdb(exe, [...uniqueLines.map((n) => `break statements.c:${n}`), 'info breakpoints']));
    let checked = 0;
    uniqueLines.forEach((line, i) => {
      for (const loc of bps.get(i + 1) ?? []) {
        if (loc.line !== line) continue; // gdb moved the breakpoint to another line
        const f = dwarf.findFunctions(loc.function)[0]!;
        const ours = dwarf.lineAddresses(f, 'statements.c', line);
        const hit = ours.find((a) => a.address === loc.address);
        expect({ line, fn: loc.function, address: hex(loc.address), found: hit !== undefined }).toEqual({ line, fn: loc.function, address: hex(loc.address), found: true });
        expect(hit!.function).toBe(loc.function);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(15);
    const stmtRows = new Set([...gdbRows.filter((r) => r.isStmt).map((r) => `${r.line}@${hex(r.address)}`), ...ourStatementRows().droppedByGdb]);
    for (const { fn, line } of lines) {
      for (const a of dwarf.lineAddresses(dwarf.findFunctions(fn)[0]!, 'statements.c', line)) {
        expect(stmtRows.has(`${line}@${hex(a.address)}`)).toBe(true);
      }
    }
  });

  test('variablesAt: names and locations equal gdb info scope at every statement address', () => {
    const addresses = [...new Set(gdbRows.filter((r) => r.isStmt).map((r) => r.address))];
    const scopes = parseInfoScope(gdb(exe, addresses.map((a) => `info scope *${hex(a)}`)));
    let compared = 0;
    for (const address of addresses) {
      const theirs = (scopes.get(address) ?? []).filter((s) => !s.isFunction);
      // gdb's `info scope` stops at the innermost function instance (an inlined copy counts).
      const ours = dwarf.variablesAt(address).filter((v) => v.instanceDepth === 0);
      expect({ at: hex(address), names: ours.map((v) => v.name).sort() }).toEqual({ at: hex(address), names: theirs.map((s) => s.name).sort() });
      for (const sym of theirs) {
        const v = ours.find((o) => o.name === sym.name)!;
        expectSameLocation(v, gdbLocationAt(sym, address), hex(address));
        expect(v.writable).toBe(v.location.kind === 'register' || v.location.kind === 'memory' || v.location.kind === 'static');
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  test('whole location lists equal gdb multi-location ranges', () => {
    const addresses = [...new Set(gdbRows.filter((r) => r.isStmt).map((r) => r.address))];
    const scopes = parseInfoScope(gdb(exe, addresses.map((a) => `info scope *${hex(a)}`)));
    for (const address of addresses) {
      const ours = dwarf.variablesAt(address).filter((v) => v.instanceDepth === 0);
      for (const sym of scopes.get(address) ?? []) {
        if (!('ranges' in sym.location)) continue;
        const v = ours.find((o) => o.name === sym.name)!;
        expect({ v: v.name, ranges: v.locations.map((l) => [hex(l.low!), hex(l.high!)]) }).toEqual({
          v: v.name,
          ranges: sym.location.ranges.map((r) => [hex(r.low), hex(r.high)]),
        });
      }
    }
  });

  test('C types of parameters and function-level locals match gdb whatis', () => {
    const commands: string[] = [];
    const expected: { key: string; ours: string }[] = [];
    for (const fn of ['sum_points', 'write_like', 'main']) {
      const f = dwarf.findFunctions(fn)[0]!;
      const entry = f.outOfLine!.entryPc!;
      for (const v of dwarf.variablesAt(entry).filter((x) => x.scopeDepth === 0 || x.isParameter)) {
        if (v.function !== fn) continue;
        commands.push(`echo @@${fn}::${v.name}\\n`, `whatis ${fn}::${v.name}`);
        expected.push({ key: `${fn}::${v.name}`, ours: gdbTypeSpelling(v.cType) });
      }
    }
    const out = gdb(exe, commands);
    const theirs = new Map([...out.matchAll(/^@@(\S+)\ntype = (.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    expect(expected.length).toBeGreaterThan(6);
    for (const e of expected) expect({ v: e.key, type: e.ours }).toEqual({ v: e.key, type: theirs.get(e.key) });
  });
});
