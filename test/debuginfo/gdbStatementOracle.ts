// gdb as the oracle for statement probes, in ONE gdb run per binary (gdb
// on vmlinux is slow to start): a Python script inside gdb reads gdb's own
// line table for the functions' compilation units, names the functions
// (inlined ones too) around every address from gdb's block tree, and prints
// `info symbol`, `info line` and `info scope` for every address asked about,
// plus the C type class of each variable in scope.
import fs from 'node:fs';
import path from 'node:path';
import { gdb, parseInfoScope, type GdbScopeSymbol } from './gdbOracle.js';
import { makeTempDir } from './toolchain.js';

export interface GdbRow {
  file: string;
  line: number;
  pc: bigint;
}

export interface GdbVariableType {
  name: string;
  /** The function (instance) whose block declares it. */
  fn: string;
  /** gdb's type class: 'int', 'ptr', 'enum', 'bool', 'char', 'struct', ... */
  code: string;
  size: number;
  signed: boolean;
}

export interface GdbAddress {
  /** Function names from the innermost block out: inlined instances first, the out-of-line function last. */
  chain: string[];
  /** `info symbol`: the ELF symbol and the offset into it. */
  symbol: string;
  offset: number;
  /** `info line *PC`: the line gdb places PC on. */
  line: number;
  /** `info scope *PC` (innermost function instance only, as gdb prints it). */
  scope: GdbScopeSymbol[];
  /** Every variable in the blocks around PC, out to the out-of-line function. */
  types: GdbVariableType[];
}

export interface GdbStatementOracle {
  /** is_stmt rows of gdb's line table whose address lies in (an inlined copy of) each function. */
  rows: Map<string, GdbRow[]>;
  addresses: Map<bigint, GdbAddress>;
}

const SCRIPT = String.raw`
import gdb, json, re
req = json.load(open(REQUEST))
for f in req['functions']:
    gdb.execute('info scope ' + f, to_string=True)  # expands the function's CU
table = gdb.execute('maint info line-table', to_string=True)
rows = []
symtab = None
for l in table.splitlines():
    m = re.match(r'^symtab: (\S+)', l)
    if m:
        symtab = m.group(1)
        continue
    m = re.match(r'^\s*\d+\s+(\d+)\s+(0x[0-9a-f]+)\s+Y', l)
    if m and symtab:
        rows.append((symtab, int(m.group(1)), int(m.group(2), 16)))

def chain(pc):
    names = []
    try:
        b = gdb.block_for_pc(pc)
    except RuntimeError:
        return names
    while b is not None and not b.is_global and not b.is_static:
        if b.function is not None:
            names.append(b.function.name)
        b = b.superblock
    return names

CODES = {gdb.TYPE_CODE_INT: 'int', gdb.TYPE_CODE_PTR: 'ptr', gdb.TYPE_CODE_ENUM: 'enum', gdb.TYPE_CODE_BOOL: 'bool',
         gdb.TYPE_CODE_CHAR: 'char', gdb.TYPE_CODE_STRUCT: 'struct', gdb.TYPE_CODE_UNION: 'union',
         gdb.TYPE_CODE_ARRAY: 'array', gdb.TYPE_CODE_FLT: 'float'}

def types(pc):
    out = []
    try:
        b = gdb.block_for_pc(pc)
    except RuntimeError:
        return out
    fn = None
    while b is not None and not b.is_global and not b.is_static:
        fn_here = b.function.name if b.function is not None else None
        owner = fn_here
        if owner is None:
            # A lexical block: it belongs to the nearest enclosing function block.
            s = b.superblock
            while s is not None and s.function is None:
                s = s.superblock
            owner = s.function.name if s is not None and s.function is not None else '?'
        for sym in b:
            t = sym.type.strip_typedefs()
            # Locals with a constant value (DW_AT_const_value) are LOC_CONST; enumerators are not variables.
            if not (sym.is_variable or sym.is_argument or (sym.is_constant and t.code != gdb.TYPE_CODE_ENUM)):
                continue
            out.append({'name': sym.name, 'fn': owner, 'code': CODES.get(t.code, str(t.code)), 'size': t.sizeof,
                        'signed': bool(getattr(t, 'is_signed', False)) if t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_BOOL) else False})
        b = b.superblock
    return out

result = {'rows': {}, 'addresses': {}}
for f in req['functions']:
    result['rows'][f] = [{'file': s, 'line': n, 'pc': hex(pc)} for (s, n, pc) in rows if f in chain(pc)]
pcs = set(int(p, 16) for p in req['addresses'])
for f in req['functions']:
    for r in result['rows'][f]:
        pcs.add(int(r['pc'], 16))
for pc in sorted(pcs):
    sym = gdb.execute('info symbol 0x%x' % pc, to_string=True).strip()
    m = re.match(r'^(\S+)(?: \+ (\d+))? in section', sym)
    line = gdb.execute('info line *0x%x' % pc, to_string=True)
    lm = re.match(r'^Line (\d+) of', line)
    scope = gdb.execute('info scope *0x%x' % pc, to_string=True)
    result['addresses'][hex(pc)] = {'chain': chain(pc), 'symbol': m.group(1) if m else sym, 'offset': int(m.group(2) or 0) if m else -1,
                                    'line': int(lm.group(1)) if lm else -1, 'scope': scope, 'types': types(pc)}
print('@@ORACLE@@' + json.dumps(result))
`;

interface RawOracle {
  rows: Record<string, { file: string; line: number; pc: string }[]>;
  addresses: Record<string, { chain: string[]; symbol: string; offset: number; line: number; scope: string; types: GdbVariableType[] }>;
}

/** Ask gdb about FUNCTIONS of BINARY and the extra ADDRESSES. */
export function gdbStatementOracle(binary: string, functions: string[], addresses: bigint[]): GdbStatementOracle {
  const dir = makeTempDir('gdb-oracle');
  try {
    const request = path.join(dir, 'request.json');
    const script = path.join(dir, 'oracle.py');
    fs.writeFileSync(request, JSON.stringify({ functions, addresses: addresses.map((a) => `0x${a.toString(16)}`) }));
    fs.writeFileSync(script, `REQUEST = ${JSON.stringify(request)}\n${SCRIPT}`);
    const out = gdb(binary, [`source ${script}`]);
    const at = out.indexOf('@@ORACLE@@');
    if (at < 0) throw new Error(`gdb oracle printed no result:\n${out.slice(-3000)}`);
    const raw = JSON.parse(out.slice(at + '@@ORACLE@@'.length).split('\n')[0]!) as RawOracle;
    const rows = new Map(Object.entries(raw.rows).map(([f, rs]) => [f, rs.map((r) => ({ file: r.file, line: r.line, pc: BigInt(r.pc) }))]));
    const addrs = new Map<bigint, GdbAddress>();
    for (const [pc, a] of Object.entries(raw.addresses)) {
      const scope = parseInfoScope(a.scope).get(BigInt(pc)) ?? [];
      addrs.set(BigInt(pc), { chain: a.chain, symbol: a.symbol, offset: a.offset, line: a.line, scope, types: a.types });
    }
    return { rows, addresses: addrs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
