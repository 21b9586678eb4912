// Kernel function signatures from BTF laid onto the x86_64 argument
// registers. The oracle is gcc itself: a caller passing a distinct constant
// in every argument, compiled with -O2 and disassembled, shows which
// register each argument travels in (and which go to the stack).
import fs from 'node:fs';
import path from 'node:path';
import type { Btf } from '../../src/debuginfo/btf.js';
import { ARG_REGISTERS, kernelFunctionSignature, type KernelFunctionSignature } from '../../src/kernelFacts/kernelFunctionSignature.js';
import { BTF_FIXTURE_DIR, buildBtfFixture, type BtfFixture } from '../helpers/btfFixture.js';
import { run } from '../debuginfo/toolchain.js';

let fixture: BtfFixture;
let btf: Btf;
beforeAll(() => {
  fixture = buildBtfFixture();
  btf = fixture.btf;
});
afterAll(() => fixture.cleanup());

function sig(name: string): KernelFunctionSignature {
  const found = kernelFunctionSignature(btf, name);
  if (!found.found) throw new Error(found.why);
  return found.signature;
}

const FUNCTIONS = ['ksys_write', 'cap_ptrace_access_check', 'may_open_it', 'nothing_back', 'seven_args', 'by_value', 'wide_late', 'pair_back', 'sign_of', 'name_of', 'no_args', 'arg_called_arg2'];

/** All spellings of argument register I (rdi, edi, di, dil …). */
function registerNames(i: number): string[] {
  const r = ARG_REGISTERS[i]!;
  if (r.startsWith('r') && /\d/.test(r)) return [r, `${r}d`, `${r}w`, `${r}b`];
  const base = r.slice(1); // di, si, dx, cx
  return [r, `e${base}`, base, base.endsWith('x') ? `${base[0]}l` : `${base}l`];
}

/** Every argument a distinct constant (0x11, 0x12, …; bool is 1), structs from globals. */
function callerSource(sigs: KernelFunctionSignature[]): { source: string; constants: Map<string, number[]> } {
  const lines = ['#include "functions.h"'];
  const constants = new Map<string, number[]>();
  for (const s of sigs) {
    const values: number[] = [];
    const args = s.args.map((a, i) => {
      const value = a.ctype === 'bool' || a.ctype === '_Bool' ? 1 : 0x11 + i;
      values.push(value);
      if (/^(struct|union)\s|kuid_t/.test(a.ctype) && !a.ctype.includes('*')) {
        lines.push(`extern ${a.ctype} g_${s.name}_${i};`);
        return `g_${s.name}_${i}`;
      }
      return a.ctype.includes('(*)') ? `(void (*)(int))0x${value.toString(16)}` : `(${a.ctype})0x${value.toString(16)}`;
    });
    constants.set(s.name, values);
    lines.push(`void call_${s.name}(void) { ${s.name}(${args.join(', ')}); }`);
  }
  return { source: lines.join('\n') + '\n', constants };
}

/** Disassembly of each call_<name> function. */
function disassemble(source: string): Map<string, string> {
  fs.writeFileSync(path.join(fixture.dir, 'callers.c'), source);
  run('gcc', ['-O2', '-c', '-I', BTF_FIXTURE_DIR, 'callers.c', '-o', 'callers.o'], fixture.dir);
  const text = run('objdump', ['-d', '--no-show-raw-insn', path.join(fixture.dir, 'callers.o')]);
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<call_(\w+)>:\n([\s\S]*?)(?=\n\n|$)/g)) out.set(m[1]!, m[2]!);
  return out;
}

test('each argument sits in the register gcc passes it in, or is unavailable where gcc passes it on the stack', () => {
  const sigs = FUNCTIONS.map(sig);
  const { source, constants } = callerSource(sigs);
  const asm = disassemble(source);
  let checked = 0;
  for (const s of sigs) {
    const code = asm.get(s.name)!;
    expect(code).toBeDefined();
    s.args.forEach((a, i) => {
      const value = `$0x${constants.get(s.name)![i]!.toString(16)}`;
      const intoRegister = (reg: number): boolean => registerNames(reg).some((n) => code.includes(`${value},%${n}\n`) || code.endsWith(`${value},%${n}`));
      if (a.register !== undefined) {
        expect({ fn: s.name, arg: a.name, inRegister: intoRegister(a.register) }).toEqual({ fn: s.name, arg: a.name, inRegister: true });
        checked++;
      } else if (!/^(struct|union)\s|kuid_t/.test(a.ctype)) {
        // A scalar guru calls unavailable goes to the stack: into no argument register.
        expect({ fn: s.name, arg: a.name, inAnyRegister: ARG_REGISTERS.some((_, r) => intoRegister(r)) }).toEqual({ fn: s.name, arg: a.name, inAnyRegister: false });
        expect(code).toContain(value);
        checked++;
      }
    });
  }
  expect(checked).toBeGreaterThanOrEqual(25);
});

test('names, C types and register types of ordinary arguments', () => {
  expect(sig('ksys_write').args.map((a) => [a.name, a.ctype, a.register, a.registerCType])).toEqual([
    ['fd', 'unsigned int', 0, 'u32'],
    ['buf', 'const char *', 1, 'unsigned long'],
    ['count', 'size_t', 2, 'u64'],
  ]);
  expect(sig('sign_of').args.map((a) => [a.name, a.ctype, a.registerCType ?? a.unavailable])).toEqual([
    ['c', 'enum color', 'u32'],
    ['uid', 'kuid_t', 'kuid_t is passed by value (4 bytes); guru reads integers and pointers only'],
    ['opf', 'blk_opf_t', 'u32'],
    ['sc', 'signed char', 's8'],
    ['us', 'short unsigned int', 'u16'],
    ['flag', '_Bool', 'u8'],
  ]);
  expect(sig('name_of').args.map((a) => a.registerCType)).toEqual(['unsigned long', 'unsigned long', 'u64']);
});

test('return values: int is signed 32-bit, bool one byte, void and structs unavailable', () => {
  expect(sig('cap_ptrace_access_check').returns).toMatchObject({ ctype: 'int', registerCType: 's32' });
  expect(sig('ksys_write').returns).toMatchObject({ ctype: 'ssize_t', registerCType: 's64' });
  expect(sig('may_open_it').returns).toMatchObject({ ctype: '_Bool', registerCType: 'u8' });
  expect(sig('sign_of').returns).toMatchObject({ ctype: 'enum sign', registerCType: 's32' });
  expect(sig('name_of').returns).toMatchObject({ ctype: 'char *', registerCType: 'unsigned long' });
  // The BTF type id rides along, for member access through $return.
  expect(btf.cType(sig('name_of').returns.typeId!)).toBe('char *');
  expect(btf.cType(sig('cap_ptrace_access_check').args[0]!.typeId)).toBe('struct task_struct *');
  expect(sig('nothing_back').returns.unavailable).toBe('the function returns void');
  expect(sig('pair_back').returns.unavailable).toBe('the function returns struct pair by value; guru reads integers and pointers only');
});

test('register accounting around structs by value and the seventh argument', () => {
  const byValue = sig('by_value').args;
  expect(byValue.map((a) => a.register ?? null)).toEqual([null, null, null, 3, 4, 5, null]);
  expect(byValue[2]!.unavailable).toBe('struct big is passed by value on the stack (32 bytes)');
  expect(byValue[6]!.unavailable).toMatch(/^it is argument 7, passed on the stack/);
  // Five registers used, the 16-byte struct does not fit in the last one and
  // goes to the stack whole; the next scalar still takes r9.
  expect(sig('wide_late').args.map((a) => a.register ?? null)).toEqual([0, 1, 2, 3, 4, null, 5]);
  expect(sig('seven_args').args.map((a) => a.register ?? null)).toEqual([0, 1, 2, 3, 4, 5, null]);
});

test('a function missing from BTF has no signature, and says why', () => {
  // (Ambiguous names need a kernel's BTF: pahole keeps one function per
  // name in a test object; test/list covers them on Debian's 6.1 image.)
  expect(kernelFunctionSignature(btf, 'not_there')).toEqual({ found: false, why: expect.stringMatching(/has no prototype for not_there/) });
});
