// How user-space points are written: guru's `uprobe:PATH:FUNC`,
// `uretprobe:PATH:FUNC`, `ustatement:PATH:FUNC@FILE:LINE`, bpftrace's `u:`
// and `ur:`, SystemTap's `process("PATH").function("FUNC")[.call|.return]`
// and `process("PATH").statement("FUNC@FILE:LINE")`.
import {
  BINARY_PATH_CHARS,
  checkChars,
  FUNC_CHARS,
  isProbePointError,
  SOURCE_FILE_CHARS,
  missing,
  parseFuncFileLine,
  type ProbePointError,
  type ProbePointSpelling,
  type StapHeadArg,
} from '../../patchSpec/probePointSyntax.js';

export interface UprobePoint {
  kind: 'uprobe';
  path: string;
  func: string;
  ret: boolean;
  /** SystemTap's source-file filter: FUNC@FILE, or FUNC `*` and a path of the source file. */
  file?: string;
}

export interface UserStatementPoint {
  kind: 'ustatement';
  path: string;
  func: string;
  file: string;
  /** 0: every line (`*`). */
  line: number;
  /** A range's last line (`87-102`). */
  lastLine?: number;
}

export type UserPoint = UprobePoint | UserStatementPoint;

const SHAPES = {
  uprobe: 'uprobe:PATH:FUNC, e.g. uprobe:/bin/bash:readline',
  ustatement: 'ustatement:PATH:FUNC@FILE:LINE, e.g. ustatement:./trace:main@trace.c:36',
} as const;

function parseUprobe(text: string, from: number, ret: boolean): UserPoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) return missing("':FUNC' after the binary path", text.length, SHAPES.uprobe);
  return uprobePoint(text, from, colon, colon + 1, text.length, ret);
}

/**
 * User-space probe points (uprobe, uretprobe, ustatement) let `*` through:
 * whether one may hold a wildcard is for the family that resolves them to
 * say (the uprobe family refuses one in FUNC with its own message and a
 * guru list hint; "user statement probes are not supported yet" comes
 * first for ustatement), not "name one target per probe".
 */
const USER_WILDCARDS_DECIDED_AT_RESOLVE = true;

function uprobePoint(text: string, pathFrom: number, pathTo: number, funcFrom: number, funcTo: number, ret: boolean): UserPoint | ProbePointError {
  const kind = ret ? 'uretprobe' : 'uprobe';
  if (pathTo === pathFrom) return missing('binary path', pathFrom, SHAPES.uprobe);
  const badPath = checkChars(text, pathFrom, pathTo, BINARY_PATH_CHARS, kind, USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badPath) return badPath;
  if (funcTo === funcFrom) return missing('function name', funcFrom, SHAPES.uprobe);
  const path = text.slice(pathFrom, pathTo);
  // SystemTap's source-file filter: FUNC@FILE (`*@trace.c`), or a path alone (`*/code/talk/trace.c`): every function of that file.
  const at = text.indexOf('@', funcFrom);
  const slash = text.indexOf('/', funcFrom);
  if (at < 0 && slash >= 0 && slash < funcTo) {
    const badFile = checkChars(text, funcFrom, funcTo, SOURCE_FILE_CHARS, kind, true);
    if (badFile) return badFile;
    return { kind: 'uprobe', path, func: '*', ret, file: text.slice(funcFrom, funcTo) };
  }
  const funcEnd = at >= 0 && at < funcTo ? at : funcTo;
  if (funcEnd === funcFrom) return missing('function name before @', funcFrom, SHAPES.uprobe);
  const badFunc = checkChars(text, funcFrom, funcEnd, FUNC_CHARS, kind, USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badFunc) return badFunc;
  if (funcEnd === funcTo) return { kind: 'uprobe', path, func: text.slice(funcFrom, funcTo), ret };
  if (funcEnd + 1 === funcTo) return missing('source file name after @', funcEnd + 1, SHAPES.uprobe);
  const badFile = checkChars(text, funcEnd + 1, funcTo, SOURCE_FILE_CHARS, kind, true);
  if (badFile) return badFile;
  return { kind: 'uprobe', path, func: text.slice(funcFrom, funcEnd), ret, file: text.slice(funcEnd + 1, funcTo) };
}

function parseUstatement(text: string, from: number): UserPoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0 || colon > text.indexOf('@', from)) {
    // No path before FUNC@FILE:LINE.
    return missing('binary path', from, SHAPES.ustatement);
  }
  if (colon === from) return missing('binary path', from, SHAPES.ustatement);
  const badPath = checkChars(text, from, colon, BINARY_PATH_CHARS, 'ustatement', USER_WILDCARDS_DECIDED_AT_RESOLVE);
  if (badPath) return badPath;
  const site = parseFuncFileLine(text, colon + 1, text.length, 'ustatement', SHAPES.ustatement, USER_WILDCARDS_DECIDED_AT_RESOLVE, true);
  return isProbePointError(site) ? site : { kind: 'ustatement', path: text.slice(from, colon), ...site };
}

const PROCESS: StapHeadArg = { what: 'the binary path', shown: 'process("PATH")', example: 'process("/bin/bash").function("readline")' };

export const uprobeSpelling: ProbePointSpelling<UserPoint> = {
  points: ['uprobe', 'ustatement'],
  kindNames: ['uprobe', 'uretprobe', 'ustatement'],
  colon: [
    { prefixes: ['uprobe', 'u'], shape: SHAPES.uprobe, parse: (text, from) => parseUprobe(text, from, false) },
    { prefixes: ['uretprobe', 'ur'], shape: SHAPES.uprobe, parse: (text, from) => parseUprobe(text, from, true) },
    { prefixes: ['ustatement'], shape: SHAPES.ustatement, parse: parseUstatement },
  ],
  systemTap: [
    {
      head: 'process',
      target: 'function',
      headArg: PROCESS,
      suffixes: ['call', 'return'],
      form: 'process("PATH").function("FUNC")[.call|.return]',
      parse: ({ text, components, target, ret }) => {
        const path = components[0]!.arg!;
        return uprobePoint(text, path.start, path.start + path.value.length, target.arg.start, target.arg.start + target.arg.value.length, ret);
      },
    },
    {
      head: 'process',
      target: 'statement',
      headArg: PROCESS,
      form: 'process("PATH").statement("FUNC@FILE:LINE")',
      parse: ({ text, components, target }) => {
        const path = components[0]!.arg!;
        const pathEnd = path.start + path.value.length;
        if (path.value === '') return missing('binary path', path.start, SHAPES.ustatement);
        const badPath = checkChars(text, path.start, pathEnd, BINARY_PATH_CHARS, 'ustatement', USER_WILDCARDS_DECIDED_AT_RESOLVE);
        if (badPath) return badPath;
        const site = parseFuncFileLine(text, target.arg.start, target.arg.start + target.arg.value.length, 'ustatement', SHAPES.ustatement, USER_WILDCARDS_DECIDED_AT_RESOLVE, true);
        return isProbePointError(site) ? site : { kind: 'ustatement', path: path.value, ...site };
      },
    },
  ],
  format: (point) =>
    point.kind === 'uprobe'
      ? `${point.ret ? 'uretprobe' : 'uprobe'}:${point.path}:${point.file === undefined ? point.func : point.func === '*' && point.file.includes('/') ? point.file : `${point.func}@${point.file}`}`
      : `ustatement:${point.path}:${point.func}@${point.file}:${point.line === 0 ? '*' : point.line}${point.lastLine ? `-${point.lastLine}` : ''}`,
};
