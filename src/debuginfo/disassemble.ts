// x86-64 instructions of an address range, from binutils' objdump (the
// disassembler kbuild's toolchain already brings: a well-kept decoder rather
// than one of our own). Used to tell what the code does around a statement
// probe (see src/probeFamilies/statement/copyWarning.ts), and to find a Go
// function's ret instructions and stack-check prologue, where its probes sit
// (src/probeFamilies/uprobe/goSites.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Instruction {
  address: bigint;
  /** AT&T mnemonic, e.g. mov, call, pop. */
  mnemonic: string;
  /** Operands in AT&T order (sources first, the destination last). */
  operands: string[];
}

/** Split "0x8(%rsp,%rax,8),%r12" at the commas outside parentheses. */
function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** objdump's lines (`ffffffff813676eb:\tmov    %rax,%r12`) as instructions. */
export function parseObjdump(text: string): Instruction[] {
  const out: Instruction[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+(.*)$/.exec(line);
    if (!m) continue;
    const body = m[2]!.replace(/\s+#.*$/, '').replace(/\s+<[^>]*>\s*$/, '').trim();
    if (!body || body === '(bad)') continue;
    // Prefixes (rep, lock, notrack, bnd, data16 cs) stay part of the mnemonic text.
    const parts = /^((?:(?:rep[a-z]*|lock|notrack|bnd|data16|cs|ds|rex(?:\.[WRXB]+)?)\s+)*[a-z][a-z0-9.]*)\s*(.*)$/.exec(body);
    if (!parts) continue;
    out.push({ address: BigInt(`0x${m[1]}`), mnemonic: parts[1]!.replace(/\s+/g, ' '), operands: parts[2] ? splitOperands(parts[2]) : [] });
  }
  return out;
}

/** Why objdump gave no instructions: it is not installed (the fix is binutils), or it failed on the file. */
export interface DisassemblyFailure {
  why: string;
  hint: string;
}

function runObjdump(args: string[], what: string): Instruction[] | DisassemblyFailure {
  const r = spawnSync('objdump', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return { why: 'objdump is not installed', hint: 'install binutils (Debian: apt-get install binutils; bash scripts/setup.sh installs it)' };
  }
  if (r.error || r.status !== 0) return { why: `objdump failed on ${what}: ${(r.error?.message ?? r.stderr).trim()}`, hint: 'check that the file is an x86-64 ELF binary' };
  return parseObjdump(r.stdout);
}

/** The instructions of FILE in [from, to), FROM on an instruction boundary; or why objdump gave none. */
export function disassembleRange(file: string, from: bigint, to: bigint): Instruction[] | DisassemblyFailure {
  return runObjdump(['-d', '--no-show-raw-insn', '--wide', `--start-address=0x${from.toString(16)}`, `--stop-address=0x${to.toString(16)}`, file], file);
}

/**
 * The instructions of FILE in [from, to), FROM on an instruction boundary;
 * undefined when objdump is missing or fails.
 */
export function disassemble(file: string, from: bigint, to: bigint): Instruction[] | undefined {
  const r = disassembleRange(file, from, to);
  return Array.isArray(r) ? r : undefined;
}

/** BYTES (raw x86-64 code) as instructions, the first at ADDRESS: for tests on hand-made code. */
export function disassembleBytes(bytes: Buffer, address: bigint): Instruction[] | DisassemblyFailure {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-code-'));
  try {
    const file = path.join(dir, 'code.bin');
    fs.writeFileSync(file, bytes);
    return runObjdump(['-D', '-b', 'binary', '-m', 'i386:x86-64', '--no-show-raw-insn', '--wide', `--adjust-vma=0x${address.toString(16)}`, file], 'raw code');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
