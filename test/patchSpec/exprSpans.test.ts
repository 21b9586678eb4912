// ExprSource spans point at the first character of the expression text in the
// file, whatever YAML scalar style holds it; spanInExpr maps every later
// offset too (the expression compiler reports errors as offsets).
import { SpecError } from '../../src/errors.js';
import { spanInExpr } from '../../src/patchSpec/exprSpan.js';
import { parseSpec } from '../../src/parseSpec.js';
import type { ExprSource } from '../../src/patchSpec/types.js';

function charAt(source: string, line: number, col: number): string | undefined {
  return source.split('\n')[line - 1]?.[col - 1];
}

function actionsOf(body: string): { source: string; cond?: ExprSource; actions: ExprSource[] } {
  const source = `guru: 1\nname: spans\nprobes:\n  - on: syscall:write\n${body}`;
  const spec = parseSpec('spans.yaml', source);
  return { source, cond: spec.probes[0].cond, actions: spec.probes[0].actions };
}

/** Every character of the text sits where spanInExpr says (escapes map to their backslash). */
function expectEveryOffsetMapped(source: string, expr: ExprSource): void {
  for (let k = 0; k < expr.text.length; k++) {
    const { line, col } = spanInExpr(expr, k);
    const found = charAt(source, line, col);
    const expected = expr.text[k];
    if (found === expected) continue;
    if (/\s/.test(expected)) continue; // produced by YAML line folding: no character of its own
    expect(`${k}: ${JSON.stringify(found)}`).toBe(`${k}: ${JSON.stringify(found === '\\' ? found : expected)}`);
  }
}

test.each([
  ['plain', '    if: $count > 1\n', '$count > 1', 5, 9],
  ['single-quoted', "    if: '$count > 1'\n", '$count > 1', 5, 10],
  ['single-quoted with a doubled quote', "    if: 'comm == ''x'''\n", "comm == 'x'", 5, 10],
  ['double-quoted', '    if: "$count > 1"\n', '$count > 1', 5, 10],
  ['double-quoted with escapes', '    if: "comm == \\"x\\" && $a > 0"\n', 'comm == "x" && $a > 0', 5, 10],
  ['plain after extra spaces', '    if:      $count > 1   # comment\n', '$count > 1', 5, 14],
  ['plain over two lines', '    if: $count > 1 &&\n      pid == 7\n', '$count > 1 && pid == 7', 5, 9],
  ['block literal', '    if: |\n      $count > 1\n', '$count > 1\n', 6, 7],
  ['block literal with header comment', '    if: |-   # why\n        $count > 1\n', '$count > 1', 6, 9],
  ['block folded', '    if: >-\n      $count > 1 &&\n      pid == 7\n', '$count > 1 && pid == 7', 6, 7],
])('%s if: starts at the first character of the expression', (_style, body, text, line, col) => {
  const { source, cond } = actionsOf(body);
  expect(cond?.text).toBe(text);
  expect(cond?.span.line).toBe(line);
  expect(cond?.span.col).toBe(col);
  expect(charAt(source, line, col)).toBe(text[0]);
  expectEveryOffsetMapped(source, cond!);
});

test('do: items in every style, in a block list and a flow list', () => {
  const { source, actions } = actionsOf(
    [
      '    do:',
      '      - orig = $count',
      "      - 'log(\"it''s %d\", $count)'",
      '      - "log(\\"%d\\\\n\\", $count)"',
      '      - |',
      '        $count =',
      '          1',
      '      - >',
      '        log("folded",',
      '          $count)',
      '      - a = 1   # trailing comment',
      '',
    ].join('\n'),
  );
  expect(actions.map((a) => a.text)).toEqual([
    'orig = $count',
    `log("it's %d", $count)`,
    'log("%d\\n", $count)',
    '$count =\n  1\n',
    'log("folded",\n  $count)\n',
    'a = 1',
  ]);
  expect(actions.map((a) => [a.span.line, a.span.col])).toEqual([
    [6, 9],
    [7, 10],
    [8, 10],
    [10, 9],
    [13, 9],
    [15, 9],
  ]);
  for (const action of actions) {
    expect(charAt(source, action.span.line, action.span.col)).toBe(action.text[0]);
    expectEveryOffsetMapped(source, action);
  }
});

test('do: given as a single string', () => {
  const { source, actions } = actionsOf("    do: '$count = 1'\n");
  expect(actions).toEqual([{ text: '$count = 1', span: { file: 'spans.yaml', line: 5, col: 10, length: 10 } }]);
  expect(charAt(source, 5, 10)).toBe('$');
});

test('flow-list items', () => {
  const { source, actions } = actionsOf('    do: [ "a = 1", b = 2 ]\n');
  expect(actions.map((a) => [a.text, a.span.col])).toEqual([
    ['a = 1', 12],
    ['b = 2', 20],
  ]);
  for (const action of actions) expect(charAt(source, action.span.line, action.span.col)).toBe(action.text[0]);
});

test('contiguous single-line expressions carry no segments; the others do', () => {
  const { actions } = actionsOf('    do:\n      - a = 1\n      - "b\\"c"\n      - |\n        x\n        y\n');
  expect(actions[0].segments).toBeUndefined();
  // b"c from "b\"c": the escaped quote maps to its backslash (col 11), so c starts a new run at col 13.
  expect(actions[1].segments).toEqual([
    { offset: 0, line: 7, col: 10 },
    { offset: 2, line: 7, col: 13 },
  ]);
  expect(spanInExpr(actions[1], 1).col).toBe(11);
  expect(actions[2].segments).toEqual([
    { offset: 0, line: 9, col: 9 },
    { offset: 2, line: 10, col: 9 },
  ]);
  // Offset 2 of "x\ny\n" is the y on the next line.
  expect(spanInExpr(actions[2], 2, 1)).toEqual({ file: 'spans.yaml', line: 10, col: 9, length: 1 });
});

test('a probe point error inside a quoted on: points at the offending character', () => {
  const source = 'guru: 1\nname: spans\nprobes:\n  - on: "kprobe:vfs_read+0x1g"\n  - on: >-\n      syscall:read*\n';
  let diagnostics: SpecError['diagnostics'] = [];
  try {
    parseSpec('spans.yaml', source);
  } catch (error) {
    if (error instanceof SpecError) diagnostics = error.diagnostics;
  }
  expect(diagnostics.map((d) => [d.span.line, d.span.col, d.span.length])).toEqual([
    [4, 26, 4],
    [6, 19, 1],
  ]);
  expect(charAt(source, 4, 26)).toBe('0');
  expect(charAt(source, 6, 19)).toBe('*');
});

test('ProbeSpec.span covers the probe point text', () => {
  const spec = parseSpec('spans.yaml', "guru: 1\nname: spans\nprobes:\n  - on: 'kprobe:vfs_read'\n");
  expect(spec.probes[0].span).toEqual({ file: 'spans.yaml', line: 4, col: 10, length: 15 });
});
