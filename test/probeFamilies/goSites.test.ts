// goSites' analysis of a Go function's code on hand-assembled bytes
// (objdump decodes them: disassembleBytes), so each shape is exactly what
// the test says: where a return probe's uprobes go (every ret, `ret $imm`
// too), and why a function is refused one (a tail jump out of it, a
// conditional jump out, an indirect jump that is no jump table of its
// own, a far return, no ret at all); and where an entry probe sits (past
// the stack-check prologue, small frame and large, or at the first
// instruction when there is none).
import { disassembleBytes, type Instruction } from '../../src/debuginfo/disassemble.js';
import { goEntrySite, goReturnSites } from '../../src/probeFamilies/uprobe/goSites.js';

const START = 0x401000n;

/** The function of BYTES at START, decoded by objdump. */
function code(hex: string): { name: string; start: bigint; end: bigint; instructions: Instruction[] } {
  const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const instructions = disassembleBytes(bytes, START);
  if (!Array.isArray(instructions)) throw new Error(instructions.why);
  return { name: 'main.f', start: START, end: START + BigInt(bytes.length), instructions };
}

const at = (offset: number) => START + BigInt(offset);

describe('return sites', () => {
  test('every ret of the function, ret $imm16 included, past internal jumps and calls out', () => {
    const f = code(
      [
        '48 85 c0', // 0x0 test %rax,%rax
        '74 01', // 0x3 je 0x6
        'c3', // 0x5 ret
        'e8 00 f0 ff ff', // 0x6 call START+0xb-0x1000 (out of the function: calls are not exits)
        'eb 00', // 0xb jmp 0xd (inside)
        'c2 08 00', // 0xd ret $0x8
      ].join(' '),
    );
    expect(goReturnSites(f)).toEqual({ returns: [at(0x5), at(0xd)] });
  });

  test('repz ret (a prefixed ret) is a ret', () => {
    expect(goReturnSites(code('31 c0 f3 c3'))).toEqual({ returns: [at(2)] });
  });

  test('a tail jump out of the function is refused, naming the jump', () => {
    // 0: xor %eax,%eax; 2: jmp rel32 to START+0x2000 (another function)
    const r = goReturnSites(code('31 c0 e9 f9 1f 00 00 c3'));
    expect(r).toEqual({ why: expect.stringMatching(/^main\.f cannot have a Go return probe: it jumps out of itself \(jmp 0x403000 at 0x401002 \(main\.f\+0x2\): a tail call\)/) });
  });

  test('a conditional jump out of the function is refused too', () => {
    // 0: test; 3: je rel32 to START-0x100; 9: ret
    const r = goReturnSites(code('48 85 c0 0f 84 f7 fe ff ff c3'));
    expect(r).toEqual({ why: expect.stringContaining('it jumps out of itself (je 0x400f00 at 0x401003 (main.f+0x3)') });
  });

  test('an indirect jmp that is not a jump table is refused', () => {
    // 0: mov %rbx,%rax; 3: jmp *%rax; 5: ret
    const r = goReturnSites(code('48 89 d8 ff e0 c3'));
    expect(r).toEqual({ why: expect.stringContaining('it has an indirect jump (jmp *%rax at 0x401003 (main.f+0x3)) that is not a jump table of its own') });
  });

  test("Go's jump table (lea TABLE(%rip); jmp *(%base,%index,8)) is the function's own: its rets are the sites", () => {
    // 0: lea 0x100(%rip),%rdx; 7: jmp *(%rdx,%rax,8); a: ret; b: ret
    expect(goReturnSites(code('48 8d 15 00 01 00 00 ff 24 c2 c3 c3'))).toEqual({ returns: [at(0xa), at(0xb)] });
  });

  test("C's jump table shape (mov (%base,%index,8),%reg; jmp *%reg) is accepted as well", () => {
    // 0: lea 0x100(%rip),%rdx; 7: mov (%rdx,%rax,8),%rax; b: jmp *%rax; d: ret
    expect(goReturnSites(code('48 8d 15 00 01 00 00 48 8b 04 c2 ff e0 c3'))).toEqual({ returns: [at(0xd)] });
  });

  test('a far return is refused', () => {
    expect(goReturnSites(code('31 c0 cb'))).toEqual({ why: expect.stringContaining('it leaves by a far return (lret at 0x401002') });
  });

  test('a function without a ret is refused', () => {
    // 0: nop; 1: jmp 0x1 (forever)
    expect(goReturnSites(code('90 eb fe'))).toEqual({ why: 'main.f cannot have a Go return probe: it has no ret instruction (it never returns, or returns through another function) in [0x401000, 0x401003)' });
  });
});

describe('entry site', () => {
  test('past the small-frame prologue: cmp 0x10(%r14),%rsp; jbe to the morestack call at the end', () => {
    // 0: cmp 0x10(%r14),%rsp; 4: jbe 0xa; 6: xor %eax,%eax; 8: ret; 9: nop; a: call morestack; f: jmp 0
    const f = code('49 3b 66 10 76 04 31 c0 c3 90 e8 f1 ef ff ff eb ef');
    expect(goEntrySite(f)).toEqual({ address: at(6), prologue: true });
  });

  test('past the large-frame prologue: lea -N(%rsp),%r12; cmp 0x10(%r14),%r12; jbe', () => {
    // 0: lea -0x88(%rsp),%r12; 8: cmp 0x10(%r14),%r12; c: jbe 0x10; e: ret; f: nop; 10: call; 15: jmp 0
    const f = code('4c 8d a4 24 78 ff ff ff 4d 3b 66 10 76 02 c3 90 e8 eb ef ff ff eb e9');
    expect(goEntrySite(f)).toEqual({ address: at(0xe), prologue: true });
  });

  test('no prologue (a NOSPLIT function): its first instruction', () => {
    expect(goEntrySite(code('48 89 d8 c3'))).toEqual({ address: START, prologue: false });
  });

  test('a jbe that does not go forward to the function\'s own code is no prologue', () => {
    // 0: cmp 0x10(%r14),%rsp; 4: jbe back to 0; 6: ret
    expect(goEntrySite(code('49 3b 66 10 76 fa c3'))).toEqual({ address: START, prologue: false });
  });
});
