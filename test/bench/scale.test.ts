// bench/scale.ts's choice of probes, from a System.map made up here (no
// benchmark runs): exact counts, disjoint patterns, nothing from init or
// noinstr text, and a floor source that lists every function.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { choosePatterns, floorSource, readSymbolMap, scaleSpec } from '../../bench/scale.js';
import { globToRegExp } from '../../src/probeFamilies/kprobeFunctions.js';

function systemMap(): string {
  const lines = ['ffffffff81000000 T _stext'];
  let a = 0x81001000;
  const fn = (name: string, type = 't'): void => void lines.push(`ffffffff${(a += 0x40).toString(16)} ${type} ${name}`);
  for (const g of ['ex', 'ps', 'ut']) for (let i = 0; i < 7; i++) fn(`acpi_${g}_f${i}`);
  fn('acpi_ut_f0.cold');
  fn('__pfx_acpi_ps_f1');
  for (let i = 0; i < 5; i++) fn(`pci_f${i}`);
  lines.push(`ffffffff${(a += 0x40).toString(16)} T __noinstr_text_start`);
  fn('acpi_idle_enter');
  lines.push(`ffffffff${(a += 0x40).toString(16)} T __noinstr_text_end`, `ffffffff${(a += 0x40).toString(16)} T _etext`);
  lines.push(`ffffffff${(a += 0x1000).toString(16)} T _sinittext`);
  fn('acpi_ex_init_tables', 'T');
  lines.push(`ffffffff${(a += 0x40).toString(16)} T _einittext`);
  return lines.join('\n') + '\n';
}

describe('bench/scale probe choice', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guru-scale-test-'));
  const file = path.join(dir, 'System.map');
  fs.writeFileSync(file, systemMap());
  const map = readSymbolMap(file);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('init, noinstr and text outside _stext.._etext are not clean; split parts are not functions', () => {
    expect(map.clean.has('acpi_ex_f0')).toBe(true);
    expect(map.clean.has('acpi_idle_enter')).toBe(false);
    expect(map.clean.has('acpi_ex_init_tables')).toBe(false);
    expect(map.all).not.toContain('acpi_ut_f0.cold');
    expect(map.all).not.toContain('__pfx_acpi_ps_f1');
  });

  test.each([1, 5, 10, 21, 26])('%i functions exactly, by disjoint clean wildcards', (n) => {
    const { patterns, functions } = choosePatterns(map, n, ['acpi_', 'pci_']);
    expect(functions).toHaveLength(n);
    // What guru's wildcards match (the same glob over every name) is that list, once each.
    const matched = patterns.flatMap((p) => map.all.filter((s) => globToRegExp(p).test(s)));
    expect(matched.sort()).toEqual([...functions].sort());
    expect(new Set(matched).size).toBe(n);
    expect(matched.every((s) => map.clean.has(s))).toBe(true);
  });

  test('more than there are: an error saying how many', () => {
    expect(() => choosePatterns(map, 100, ['acpi_'])).toThrow(/only 21 clean functions/);
  });

  test('the spec and the floor probe the same functions', () => {
    const { patterns, functions } = choosePatterns(map, 10, ['acpi_']);
    const spec = scaleSpec('bench_scale_10', patterns, 'nomatch');
    expect(spec.match(/on: kprobe:/g)).toHaveLength(patterns.length);
    const floor = floorSource('floor_scale_10', functions, 'nomatch');
    for (const f of functions) expect(floor).toContain(`"${f}",`);
  });
});
