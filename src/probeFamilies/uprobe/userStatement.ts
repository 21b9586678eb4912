// ustatement:PATH:FUNC@FILE:LINE (SystemTap's
// process("PATH").statement("FUNC@FILE:LINE")): every address where LINE
// starts in FUNC of a user binary, from its DWARF (the binary's own, or its
// debug file by build-id), resolved as kernel statements are
// (sourceLine/resolveLine.ts). Each address is a uprobe at the file offset
// it is loaded from, which holds for PIE and non-PIE alike; locals are the
// uprobe handler's user registers and the task's memory (its stack, its
// data), read and written through the user accessors, which may page
// memory in (a uprobe handler runs in the probed task).
import { openProgramDebuginfo } from '../../debuginfo/programDebuginfo.js';
import { resolveLine, sourceLinesOf, type LineProgram, type StatementPoint } from '../sourceLine/resolveLine.js';
import type { Resolution, ResolveError } from '../types.js';
import type { UprobeSite, UserStatementPlacement } from './types.js';
import type { HostPackages } from '../../debuginfo/debugPackages.js';
import { BUILD_ID_DEBUG_DIR, findUserDebugFile } from './userDebuginfo.js';
import type { UserBinary } from './userFunctions.js';

/** Bytes of the probed place the module compares with the target's file (an x86 instruction is at most 15). */
export const EXPECT_BYTES = 16;

export interface UserStatementPoint extends StatementPoint {
  /** PATH as the spec writes it. */
  path: string;
}

export function spellUserStatement(path: string, func: string, file: string, line: number | '*'): string {
  return `ustatement:${path}:${func}@${file}:${line}`;
}

function userProgram(binary: UserBinary, point: UserStatementPoint, debugPath: string): LineProgram {
  return {
    dbg: openProgramDebuginfo(debugPath, { code: binary.path }),
    name: binary.path,
    spell: (func, file, line) => spellUserStatement(point.path, func, file, line),
    symbols: () => binary.functions.keys(),
    listFunctions: `guru list 'uprobe:${point.path}:*' lists its functions`,
    returnProbe: (func) => `uretprobe:${point.path}:${func}`,
    prober: 'uprobe',
    // A uprobe is placed by file offset: a symbol name local functions of several files share does not matter.
    placedBySymbol: false,
    entryValues: false,
  };
}

/** USE with BINARY's DWARF as a LineProgram, or why it has none. */
export function withUserProgram<T>(binary: UserBinary, point: UserStatementPoint, label: string, host: HostPackages, use: (program: LineProgram) => T | ResolveError): T | ResolveError {
  const debug = findUserDebugFile(binary.path, binary.buildId, BUILD_ID_DEBUG_DIR, host);
  if ('why' in debug) return { message: `${label}: statement probes need the binary's DWARF: ${debug.why}`, hint: debug.hint };
  const program = userProgram(binary, point, debug.path);
  try {
    return use(program);
  } finally {
    program.dbg.close();
  }
}

export function resolveUserStatement(binary: UserBinary, point: UserStatementPoint, label: string, host: HostPackages): Resolution<UserStatementPlacement> | ResolveError {
  if (point.func.includes('*')) {
    return { message: `${label}: a statement probe names one function, not a pattern`, hint: `guru list 'uprobe:${point.path}:${point.func}' lists the functions it matches` };
  }
  return withUserProgram(binary, point, label, host, (program) => resolveUserStatementIn(binary, program, point, label));
}

/** POINT resolved in PROGRAM (BINARY's DWARF, opened by withUserProgram). */
export function resolveUserStatementIn(binary: UserBinary, program: LineProgram, point: UserStatementPoint, label: string): Resolution<UserStatementPlacement> | ResolveError {
  const resolved = resolveLine(point, program, label);
  if ('message' in resolved) return resolved;
  const { statement, ...scope } = resolved;
  const sites: UprobeSite[] = [];
  for (const s of statement.sites) {
    const offset = binary.fileOffset(BigInt(s.address));
    if (offset === undefined) return { message: `${label}: address ${s.address} (${s.symbol}+0x${s.offset.toString(16)}) is in no executable segment of ${binary.path}, so no uprobe can be placed there` };
    sites.push({ func: point.func, address: s.address, offset, expect: binary.bytesAt(offset, EXPECT_BYTES).toString('hex') });
  }
  return {
    ...scope,
    placement: { kind: 'ustatement', path: binary.path, func: point.func, sites, pie: binary.pie, ...(binary.buildId ? { buildId: binary.buildId } : {}), statement },
  };
}

/** What `guru list 'ustatement:PATH:FUNC@FILE:*'` walks. */
export function userStatementLines(program: LineProgram, func: string, file: string): number[] | undefined {
  return sourceLinesOf(program.dbg, func, file);
}
