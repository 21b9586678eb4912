// How syscall points are written: guru's `syscall:NAME[:return]` and
// SystemTap's `syscall.NAME[.return]` (bpftrace has no syscall kind: its
// `tracepoint:syscalls:sys_enter_NAME` is the tracepoint family's).
import { checkChars, fail, missing, type Charset, type ProbePointError, type ProbePointSpelling, type StapComponent } from '../patchSpec/probePointSyntax.js';

export interface SyscallPoint {
  kind: 'syscall';
  name: string;
  ret: boolean;
}

const SHAPE = 'syscall:NAME or syscall:NAME:return, e.g. syscall:write';

const SYSCALL_CHARS: Charset = {
  test: (c) => /^[a-z0-9_]$/.test(c),
  what: 'syscall name',
  description: 'lowercase letters, digits and _',
};

/** `sys_write`, `__x64_sys_write`, `SyS_write`, `__se_sys_write`: kernel symbol spellings of a syscall. */
const SYSCALL_SYMBOL_PREFIX = /^(?:__(?:x64|ia32|arm64|riscv|s390x?|se|do)_|compat_)?sys_(?=[a-z0-9_]+$)/i;

function parseSyscall(text: string, from: number): SyscallPoint | ProbePointError {
  const colon = text.indexOf(':', from);
  const nameEnd = colon < 0 ? text.length : colon;
  let ret = false;
  if (colon >= 0) {
    const suffix = text.slice(colon + 1);
    if (suffix !== 'return') {
      const name = text.slice(from, colon);
      const hint = ['entry', 'enter', 'call'].includes(suffix)
        ? `entry is the default: write syscall:${name}`
        : `expected ${SHAPE}`;
      return fail(`unknown syscall probe suffix ':${suffix}'`, colon + 1, suffix.length, hint);
    }
    ret = true;
  }
  return syscallPoint(text, from, nameEnd, ret, (name) => `syscall:${name}${ret ? ':return' : ''}`);
}

function syscallPoint(
  text: string,
  from: number,
  to: number,
  ret: boolean,
  spell: (name: string) => string,
): SyscallPoint | ProbePointError {
  if (to === from) return missing('syscall name', from, SHAPE);
  const name = text.slice(from, to);
  if (name.endsWith('.return') && !text.startsWith('syscall.')) {
    return fail(`'.return' is SystemTap's spelling`, to - '.return'.length, '.return'.length, `write syscall:${name.slice(0, -'.return'.length)}:return`);
  }
  const symbolPrefix = SYSCALL_SYMBOL_PREFIX.exec(name);
  if (symbolPrefix) {
    const bare = name.slice(symbolPrefix[0].length).toLowerCase();
    return fail(
      `syscall probes take the syscall's name, not its kernel symbol '${name}'`,
      from,
      name.length,
      // x86_64 kernels since 4.17 name the entry point __x64_sys_NAME: the only spelling a kprobe finds.
      `write ${spell(bare)} (or kprobe:__x64_sys_${bare} to probe the symbol itself)`,
    );
  }
  if (/[A-Z]/.test(name) && /^[A-Za-z0-9_]+$/.test(name)) {
    return fail('syscall names are lowercase', from, name.length, `write ${spell(name.toLowerCase())}`);
  }
  const bad = checkChars(text, from, to, SYSCALL_CHARS, 'syscall', false);
  if (bad) return bad;
  return { kind: 'syscall', name, ret };
}

function stapSyscall(text: string, components: StapComponent[]): SyscallPoint | ProbePointError {
  const [head, name, suffix, ...rest] = components;
  if (head.arg) return fail('syscall takes no argument', head.start, head.end - head.start, 'write syscall.NAME, e.g. syscall.write');
  if (!name) return missing('syscall name', head.end, SHAPE);
  if (name.arg) return fail(`syscall.${name.name} takes no argument`, name.start, name.end - name.start, 'write syscall.NAME, e.g. syscall.write');
  const extra = rest[0] ?? (suffix && (suffix.name !== 'return' || suffix.arg) ? suffix : undefined);
  if (extra) {
    return fail(`unsupported suffix '.${extra.name}'`, extra.start, extra.end - extra.start, `write syscall.${name.name} or syscall.${name.name}.return`);
  }
  const ret = suffix !== undefined;
  return syscallPoint(text, name.start, name.end, ret, (bare) => `syscall.${bare}${ret ? '.return' : ''}`);
}

export const syscallSpelling: ProbePointSpelling<SyscallPoint> = {
  points: ['syscall'],
  kindNames: ['syscall'],
  colon: [{ prefixes: ['syscall'], shape: SHAPE, parse: parseSyscall }],
  systemTap: [{ head: 'syscall', form: 'syscall.NAME[.return]', parse: (text, components) => stapSyscall(text, components) }],
  // `sys_write` alone: the syscall, most likely.
  bareWord: (text, kindsHint) => {
    if (!/^(sys_|__x64_sys_|SyS_)/.test(text)) return undefined;
    const name = text.replace(/^(sys_|__x64_sys_|SyS_)/, '').toLowerCase();
    return fail(`'${text}' is not a probe point`, 0, text.length, `did you mean syscall:${name}? ${kindsHint}`);
  },
  format: (point) => (point.ret ? `syscall:${point.name}:return` : `syscall:${point.name}`),
};
