// Valid specs parse to the expected Spec; rules that need no snapshot are
// asserted directly.
import type { ParsedProbePoint } from '../../src/patchSpec/probePointSyntax.js';
import { SpecError, UserError } from '../../src/errors.js';
import { parseSpec } from '../../src/parseSpec.js';
import type { Spec } from '../../src/patchSpec/types.js';
import { specFixture, specFixtures } from './fixtures.js';

const span = (file: string, line: number, col: number, length: number) => ({ file, line, col, length });

test('the echo example (docs/spec.md) parses to the expected Spec', () => {
  const { file, text } = specFixture('good', 'echo-one-byte.yaml');
  const expected: Spec = {
    file,
    sourceText: text,
    version: 1,
    name: 'echo_one_byte',
    description: 'echo writes only its first byte, yet believes it wrote all of it',
    where: { uid: [1000], comm: ['echo'], span: span(file, 5, 3, 9) },
    vars: [{ name: 'orig', type: 'u64', scope: 'thread', span: span(file, 9, 3, 4) }],
    params: [],
    maps: [],
    probes: [
      {
        on: 'syscall:write',
        point: { kind: 'syscall', name: 'write', ret: false } as ParsedProbePoint,
        span: span(file, 11, 9, 13),
        cond: { text: '$count > 1', span: span(file, 12, 9, 10) },
        actions: [
          { text: 'orig = $count', span: span(file, 14, 9, 13) },
          { text: '$count = 1', span: span(file, 15, 9, 10) },
          { text: 'log("count:%d, buf:%s", $count, user_string($buf))', span: span(file, 16, 9, 50) },
        ],
      },
      {
        on: 'syscall:write:return',
        point: { kind: 'syscall', name: 'write', ret: true } as ParsedProbePoint,
        span: span(file, 17, 9, 20),
        cond: { text: 'orig > 0', span: span(file, 18, 9, 8) },
        actions: [
          { text: '$return = orig', span: span(file, 20, 9, 14) },
          { text: 'orig = 0', span: span(file, 21, 9, 8) },
        ],
      },
    ],
  };
  expect(parseSpec(file, text)).toEqual(expected);
});

test('every good fixture parses', () => {
  for (const { file, text } of specFixtures('good')) expect(() => parseSpec(file, text)).not.toThrow();
});

function parse(text: string): Spec {
  return parseSpec('t.yaml', text);
}

function refuse(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof SpecError) return error.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`);
    throw error;
  }
  throw new Error('spec was accepted');
}

const header = 'guru: 1\nname: t\n';

describe('defaults and optional parts', () => {
  test('a spec without where, vars, params and description', () => {
    const spec = parse(`${header}probes:\n  - on: begin\n    do: log("armed")\n`);
    expect(spec.where).toEqual({});
    expect(spec.vars).toEqual([]);
    expect(spec.params).toEqual([]);
    expect(spec.description).toBeUndefined();
    expect(spec.probes[0].actions.map((a) => a.text)).toEqual(['log("armed")']);
  });

  test('a var declared with no fields gets type s64 and scope global', () => {
    const spec = parse(`${header}vars:\n  n: {}\n  m:\nprobes:\n  - on: begin\n`);
    expect(spec.vars.map(({ name, type, scope }) => ({ name, type, scope }))).toEqual([
      { name: 'n', type: 's64', scope: 'global' },
      { name: 'm', type: 's64', scope: 'global' },
    ]);
  });

  test('params are integer knobs with their initial values', () => {
    const spec = parse(`${header}params: { fix: 1, notify: 0, limit: -5 }\nprobes:\n  - on: begin\n`);
    expect(spec.params.map(({ name, type, initial }) => [name, type, initial])).toEqual([
      ['fix', 's64', 1n],
      ['notify', 's64', 0n],
      ['limit', 's64', -5n],
    ]);
    expect(spec.params[0].span).toEqual(span('t.yaml', 3, 11, 3));
  });

  test('a param with a type and a range; a u64 keeps all its digits', () => {
    const spec = parse(
      `${header}params:\n  fix: { value: 1, type: bool }\n  limit: { value: 10, type: u32, min: 1, max: 100 }\n  big: { value: 18446744073709551615, type: u64 }\n  low: { type: u32, min: 5 }\nprobes:\n  - on: begin\n`,
    );
    expect(spec.params.map(({ name, type, initial, min, max }) => [name, type, initial, min, max])).toEqual([
      ['fix', 'bool', 1n, 0n, 1n],
      ['limit', 'u32', 10n, 1n, 100n],
      ['big', 'u64', (1n << 64n) - 1n, 0n, (1n << 64n) - 1n],
      ['low', 'u32', 5n, 5n, (1n << 32n) - 1n],
    ]);
  });

  test('param types and ranges are checked', () => {
    expect(
      refuse(
        `${header}params:\n  a: { value: 2, type: bool }\n  b: { type: int }\n  c: { min: 5, max: 1 }\n  d: { value: -1, type: u32 }\n  e: 9223372036854775808\n  f: { min: 0, maximum: 3 }\nprobes:\n  - on: begin\n`,
      ),
    ).toEqual([
      '4:15 parameter a: initial value 2 is out of range: a is a bool (0 or 1)',
      "5:14 unknown parameter type 'int'",
      '6:21 parameter c: min 5 is above max 1',
      '7:15 parameter d: initial value -1 is out of range: d is a u32 from 0 to 4294967295',
      '8:6 parameter e: 9223372036854775808 is out of range for its type, an s64 from -9223372036854775808 to 9223372036854775807',
      "9:16 unknown parameter key 'maximum'",
    ]);
  });

  test('a probe without do: (or with do: []) only counts hits', () => {
    const spec = parse(`${header}probes:\n  - on: kprobe:vfs_*\n  - on: kretprobe:vfs_read\n    do: []\n`);
    expect(spec.probes.map((p) => p.actions)).toEqual([[], []]);
  });

  test('a per-probe where replaces the default, and where: {} drops it', () => {
    const spec = parse(
      `${header}where: { uid: [0, 1000], comm: ["ba*", "[bd]ash"] }\nprobes:\n` +
        '  - on: syscall:write\n    where: { pid: 42 }\n  - on: syscall:read\n    where: {}\n  - on: syscall:openat\n',
    );
    expect(spec.where).toMatchObject({ uid: [0, 1000], comm: ['ba*', '[bd]ash'] });
    expect(spec.probes[0].where).toMatchObject({ pid: [42] });
    expect(spec.probes[1].where).toEqual({ span: span('t.yaml', 8, 12, 2) });
    expect(spec.probes[2].where).toBeUndefined();
  });

  test('SystemTap and bpftrace spellings keep the text as written and normalise the point', () => {
    const spec = parse(`${header}probes:\n  - on: kernel.function("vfs_read").return\n  - on: 'k:vfs_read+0x10'\n`);
    expect(spec.probes.map((p) => [p.on, p.point])).toEqual([
      ['kernel.function("vfs_read").return', { kind: 'kretprobe', func: 'vfs_read' }],
      ['k:vfs_read+0x10', { kind: 'kprobe', func: 'vfs_read', offset: 16 }],
    ]);
  });

  test('YAML anchors and aliases are followed', () => {
    const spec = parse(`${header}where: &echo { comm: echo }\nprobes:\n  - on: syscall:write\n    where: *echo\n`);
    expect(spec.probes[0].where).toMatchObject({ comm: ['echo'] });
  });
});

describe('refusals', () => {
  test('SpecError is a user error (exit code 1) and carries the source text', () => {
    const text = `${header}probes: []\n`;
    try {
      parse(text);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as SpecError).exitCode).toBe(1);
      expect((error as SpecError).sourceText).toBe(text);
    }
  });

  test('an empty file', () => {
    expect(refuse('')).toEqual(['1:1 spec is empty']);
    expect(refuse('# nothing but a comment\n')).toEqual(['1:1 spec is empty']);
  });

  test('a spec that is not a mapping', () => {
    expect(refuse('- on: syscall:write\n')).toEqual(['1:1 a spec must be a mapping of keys, not a list']);
  });

  test('every missing required key is reported', () => {
    expect(refuse('description: nothing else\n')).toEqual([
      "1:1 missing required key 'guru'",
      "1:1 missing required key 'name'",
      "1:1 missing required key 'probes'",
    ]);
  });

  test('guru: must be the number 1', () => {
    expect(refuse(`guru: "1"\nname: t\nprobes:\n  - on: begin\n`)).toEqual(['1:7 guru: must be the number 1, not a string']);
    expect(refuse(`guru: one\nname: t\nprobes:\n  - on: begin\n`)).toEqual(['1:7 guru: must be the spec version 1, not the string "one"']);
  });

  test.each(['a', 'echo_one_byte', 'x'.repeat(48), 'v2'])('name %s is accepted', (name) => {
    expect(parse(`guru: 1\nname: ${name}\nprobes:\n  - on: begin\n`).name).toBe(name);
  });

  test.each(['_x', '2fast', 'Echo', 'x'.repeat(49), 'with-dash', '"with space"', '1', '""'])('name %s is refused', (name) => {
    expect(refuse(`guru: 1\nname: ${name}\nprobes:\n  - on: begin\n`)).toHaveLength(1);
  });

  test('var and param names: $-prefixed, non-identifiers, builtins, calls, the enabled param', () => {
    const lines = refuse(
      `${header}params:\n  enabled: 1\n  log: 0\nvars:\n  $count: {}\n  a-b: {}\n  nsecs: {}\n  count: {}\n  ok_1: {}\nprobes:\n  - on: begin\n`,
    );
    expect(lines).toEqual([
      "4:3 parameter 'enabled' clashes with the built-in parameter enabled",
      "5:3 parameter 'log' clashes with the function log()",
      '7:3 variable names do not start with $: $count names a target variable (an argument or local of the probed code)',
      "8:3 'a-b' is not a valid variable name",
      "9:3 variable 'nsecs' clashes with the builtin nsecs (a nanosecond timestamp)",
      "10:3 variable 'count' clashes with the function count()",
    ]);
  });

  test('a name declared twice', () => {
    expect(refuse(`${header}vars:\n  a: {}\n  a: { type: u32 }\nprobes:\n  - on: begin\n`)).toEqual([
      "5:3 variable 'a' is declared twice (first at line 4)",
    ]);
  });

  test('params must be integers', () => {
    expect(refuse(`${header}params: { a: 1.5, b: true, c: "3" }\nprobes:\n  - on: begin\n`)).toEqual([
      '3:14 parameter a needs an integer initial value, not the number 1.5',
      '3:22 parameter b needs an integer initial value, not the boolean true',
      '3:31 parameter c needs an integer initial value, not the string "3"',
    ]);
  });

  test('where: values', () => {
    expect(
      refuse(`${header}where:\n  uid: -1\n  pid: [0, 4194305]\n  comm: []\nprobes:\n  - on: begin\n`),
    ).toEqual([
      '4:8 uid -1 is out of range',
      '5:9 pid 0 is out of range',
      '5:12 pid 4194305 is out of range',
      '6:9 comm: is an empty list, which matches nothing',
    ]);
    expect(refuse(`${header}where:\n  comm: 123\n  uid: "1000"\n  gid: 5\nprobes:\n  - on: begin\n`)).toEqual([
      '4:9 comm must be a task name or glob, not the number 123',
      '5:8 uid must be an integer, not the string "1000"',
      "6:3 unknown where key 'gid'",
    ]);
  });

  test('probe shapes', () => {
    expect(
      refuse(
        `${header}probes:\n  - if: $x\n  - on: [syscall:write, syscall:read]\n  - on: begin\n    if:\n  - on: begin\n    do:\n      - [a, b]\n      -\n      - ""\n`,
      ),
    ).toEqual([
      '4:5 probe has no on:',
      '5:9 on: must be a probe point, not a list',
      '7:5 if: has no expression',
      '10:9 do: item must be an expression, not a list',
      '11:7 do: item has no expression',
      '12:9 do: item is an empty expression',
    ]);
  });

  test('probes: must be a non-empty list', () => {
    expect(refuse(`${header}probes:\n`)).toEqual(['3:1 probes: must list at least one probe']);
    expect(refuse(`${header}probes: []\n`)).toEqual(['3:9 probes: must list at least one probe']);
    expect(refuse(`${header}probes:\n  on: begin\n`)).toEqual(['4:3 probes: must be a list of probes, not a mapping']);
    expect(refuse(`${header}probes:\n  - on: begin\n  -\n`)).toEqual(['5:3 a probe must be a mapping with on:, not nothing (null)']);
  });

  test('duplicate keys are reported where they repeat', () => {
    expect(refuse(`${header}name: u\nprobes:\n  - on: begin\n    on: end\n`)).toEqual([
      "3:1 duplicate key 'name' (first given at line 2)",
      "6:5 duplicate key 'on' (first given at line 5)",
    ]);
  });

  test('a YAML syntax error is reported alone, at the position the YAML parser gives', () => {
    expect(refuse(`${header}probes:\n  - on: "syscall:write\n`)).toEqual(['5:1 YAML: Missing closing "quote']);
    expect(refuse(`${header}---\nname: u\n`)).toEqual(['3:1 YAML: Source contains multiple documents; please use YAML.parseAllDocuments()']);
  });
});

test('damaged specs give located diagnostics, never a crash', () => {
  const { text } = specFixture('good', 'echo-one-byte.yaml');
  const lineCount = text.split('\n').length;
  const damaged: string[] = [];
  for (let i = 0; i < text.length; i++) {
    damaged.push(text.slice(0, i) + text.slice(i + 1));
    for (const insert of ['"', ':', '[', '\t', '!', '- ', '\n']) damaged.push(text.slice(0, i) + insert + text.slice(i));
  }
  for (const variant of damaged) {
    try {
      parseSpec('d.yaml', variant);
    } catch (error) {
      if (!(error instanceof SpecError)) throw new Error(`crash on ${JSON.stringify(variant)}: ${String(error)}`);
      expect(error.diagnostics.length).toBeGreaterThan(0);
      for (const d of error.diagnostics) {
        if (!(d.span.line >= 1 && d.span.line <= lineCount + 1 && d.span.col >= 1 && d.span.length >= 1)) {
          throw new Error(`bad span ${JSON.stringify(d)} for ${JSON.stringify(variant)}`);
        }
      }
    }
  }
});
