// How kprobe and kretprobe points are written: guru's `kprobe:[MOD:]FUNC[@FILE][+OFF]`
// and `kretprobe:[MOD:]FUNC[@FILE]`, bpftrace's `k:`/`kr:` (and
// `kprobe:MOD:FUNC`, with wildcards in MOD too), SystemTap's
// `kernel.function("FUNC[@FILE]")[.call|.return]` and
// `module("MOD").function("FUNC")`. Registered with the kprobe family.
import {
  checkChars,
  fail,
  FUNC_CHARS,
  isProbePointError,
  missing,
  SOURCE_FILE_CHARS,
  type Charset,
  type ProbePointError,
  type ProbePointSpelling,
  type StapParts,
} from '../patchSpec/probePointSyntax.js';

/**
 * What may narrow a kernel function down: the loadable module it is in
 * (`kprobe:af_alg:af_alg_sendmsg`, `module("af_alg").function(...)`; `*`
 * wildcards: every matching module), and the source file that defines it
 * (SystemTap's `FUNC@FILE`).
 */
export interface KernelFunctionQualifiers {
  module?: string;
  file?: string;
}

export type KprobePoint = { kind: 'kprobe'; func: string; offset: number } & KernelFunctionQualifiers;
export type KretprobePoint = { kind: 'kretprobe'; func: string } & KernelFunctionQualifiers;
export type KernelFunctionPoint = KprobePoint | KretprobePoint;

const SHAPES = {
  kprobe: 'kprobe:FUNC, kprobe:MODULE:FUNC or kprobe:FUNC+OFFSET, e.g. kprobe:vfs_read or kprobe:vfs_read+0x1a',
  kretprobe: 'kretprobe:FUNC, e.g. kretprobe:vfs_read',
} as const;

const MODULE_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_-]$/.test(c),
  what: 'module name',
  description: 'letters, digits, _ and -',
};

/** Only the qualifiers that are there, so a plain `kprobe:FUNC` stays `{ kind, func, offset }`. */
function qualifiers(module: string | undefined, file: string | undefined): KernelFunctionQualifiers {
  return { ...(module !== undefined && { module }), ...(file !== undefined && { file }) };
}

/** `kprobe:[MOD:]FUNC[@FILE][+OFF]` (bpftrace's `kprobe:MOD:FUNC`), `kretprobe:[MOD:]FUNC[@FILE]`. */
function parseKprobe(text: string, from: number, ret: boolean): KernelFunctionPoint | ProbePointError {
  const kind = ret ? 'kretprobe' : 'kprobe';
  const plus = text.indexOf('+', from);
  const siteEnd = plus < 0 ? text.length : plus;
  let module: string | undefined;
  const colon = text.indexOf(':', from);
  if (colon >= 0 && colon < siteEnd) {
    if (colon === from) return missing('module name before :', from, SHAPES[kind]);
    // bpftrace's kprobe:*:FUNC, kprobe:xfs*:xfs_file_*: a wildcard over the modules too (read-only, as a function wildcard).
    const badModule = checkChars(text, from, colon, MODULE_CHARS, kind, true);
    if (badModule) return badModule;
    module = text.slice(from, colon);
    from = colon + 1;
  }
  const site = functionAtFile(text, from, siteEnd, kind);
  if (isProbePointError(site)) return site;
  const { func, file } = site;
  if (module?.includes('*') && file !== undefined) return moduleWildcardWithFile(text, kind, module, func);
  const q = qualifiers(module, file);
  if (plus < 0) return ret ? { kind: 'kretprobe', func, ...q } : { kind: 'kprobe', func, offset: 0, ...q };
  if (ret) {
    return fail('a kretprobe takes no offset', plus, text.length - plus, `it fires when the function returns; write kretprobe:${func}`);
  }
  if (func.includes('*')) {
    return fail('an offset needs one function, not a wildcard', plus, text.length - plus, `write kprobe:${func} or name a single function`);
  }
  if (module?.includes('*')) {
    return fail('an offset needs one module, not a wildcard', plus, text.length - plus, `write kprobe:${module}:${func} or name the module`);
  }
  const offset = parseOffset(text.slice(plus + 1));
  if (offset === undefined) {
    return fail(
      `malformed offset '${text.slice(plus + 1)}'`,
      plus + 1,
      text.length - plus - 1,
      `an offset is hex (0x1a) or decimal (26) without leading zeros: kprobe:${func}+0x1a`,
    );
  }
  return { kind: 'kprobe', func, offset, ...q };
}
/** `FUNC` or `FUNC@FILE` (SystemTap's file qualifier) in text[from, to). */
function functionAtFile(text: string, from: number, to: number, kind: 'kprobe' | 'kretprobe'): { func: string; file?: string } | ProbePointError {
  const at = text.indexOf('@', from);
  const funcEnd = at >= 0 && at < to ? at : to;
  if (funcEnd === from) return missing('function name', from, SHAPES[kind]);
  const bad = checkChars(text, from, funcEnd, FUNC_CHARS, kind, true);
  if (bad) return bad;
  const func = text.slice(from, funcEnd);
  if (funcEnd === to) return { func };
  if (at + 1 === to) return missing('source file name after @', at + 1, SHAPES[kind]);
  const badFile = checkChars(text, at + 1, to, SOURCE_FILE_CHARS, kind, false);
  if (badFile) return badFile;
  if (func.includes('*')) return fail('a file qualifier needs one function, not a wildcard', at, to - at, `write ${kind}:${func} or name a single function`);
  return { func, file: text.slice(at + 1, to) };
}

/** `kprobe:xfs*:f@file.c`: a file names one function's body, of one module. */
function moduleWildcardWithFile(text: string, kind: 'kprobe' | 'kretprobe', module: string, func: string): ProbePointError {
  const at = text.indexOf('@');
  const stop = /[+"]/.exec(text.slice(at));
  const end = stop ? at + stop.index : text.length;
  return fail('a file qualifier needs one module, not a wildcard', at, end - at, `write ${kind}:${module}:${func} or name the module`);
}

function parseOffset(text: string): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|0|[1-9][0-9]*)$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The argument of `kernel.function("FUNC[@FILE]")` / `module("MOD").function(...)`. */
function stapFunction({ text, target, ret }: StapParts, module: string | undefined): KernelFunctionPoint | ProbePointError {
  const site = functionAtFile(text, target.arg.start, target.arg.start + target.arg.value.length, ret ? 'kretprobe' : 'kprobe');
  if (isProbePointError(site)) return site;
  const q = qualifiers(module, site.file);
  return ret ? { kind: 'kretprobe', func: site.func, ...q } : { kind: 'kprobe', func: site.func, offset: 0, ...q };
}

/** `MOD:FUNC@FILE`, each qualifier only when there. */
function qualifiedFunction(p: { func: string } & KernelFunctionQualifiers): string {
  return `${p.module !== undefined ? `${p.module}:` : ''}${p.func}${p.file !== undefined ? `@${p.file}` : ''}`;
}

export const kernelFunctionSpelling: ProbePointSpelling<KernelFunctionPoint> = {
  points: ['kprobe', 'kretprobe'],
  kindNames: ['kprobe', 'kretprobe'],
  colon: [
    { prefixes: ['kprobe', 'k'], shape: SHAPES.kprobe, parse: (text, from) => parseKprobe(text, from, false) },
    { prefixes: ['kretprobe', 'kr'], shape: SHAPES.kretprobe, parse: (text, from) => parseKprobe(text, from, true) },
  ],
  systemTap: [
    { head: 'kernel', target: 'function', suffixes: ['call', 'return'], form: 'kernel.function("FUNC[@FILE]")[.call|.return]', parse: (parts) => stapFunction(parts, undefined) },
    {
      head: 'module',
      target: 'function',
      headArg: { what: 'the module name', shown: 'module("MOD")', example: 'module("af_alg").function("af_alg_sendmsg")' },
      suffixes: ['call', 'return'],
      form: 'module("MOD").function("FUNC")[.call|.return]',
      parse: (parts) => {
        const mod = parts.components[0]!.arg!;
        const kind = parts.ret ? 'kretprobe' : 'kprobe';
        if (mod.value === '') return missing('module name', mod.start, SHAPES[kind]);
        // SystemTap's module("*").function("F"), module("xfs*"): as kprobe:*:F.
        const badModule = checkChars(parts.text, mod.start, mod.start + mod.value.length, MODULE_CHARS, kind, true);
        if (badModule) return badModule;
        const point = stapFunction(parts, mod.value);
        if (!isProbePointError(point) && mod.value.includes('*') && point.file !== undefined) {
          return moduleWildcardWithFile(parts.text, kind, mod.value, point.func);
        }
        return point;
      },
    },
  ],
  foreign: { fentry: 'kprobe:FUNC', kfunc: 'kprobe:FUNC', f: 'kprobe:FUNC', fexit: 'kretprobe:FUNC', kretfunc: 'kretprobe:FUNC', fr: 'kretprobe:FUNC' },
  format: (point) =>
    point.kind === 'kprobe'
      ? `kprobe:${qualifiedFunction(point)}${point.offset === 0 ? '' : `+0x${point.offset.toString(16)}`}`
      : `kretprobe:${qualifiedFunction(point)}`,
};
