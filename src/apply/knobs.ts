// Knobs of a loaded module (the built-in enabled and the spec's params:):
// what /sys/class/misc/guru_<name>/params says (kmod's params_show: `NAME
// VALUE TYPE MIN MAX` per knob, then `reenable_ms MS`), the commands it and
// the control file take (knob_command_locked), and `K=V` assignments
// checked against a knob's type and range before the kernel (which checks
// them again) is asked.
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { describeKnobRange, parseKnobValue, PARAM_TYPES, type KnobRange } from '../patchSpec/paramRange.js';
import type { ParamType } from '../patchSpec/types.js';
import type { Manifest } from '../render/manifest.js';

/** The knob every module has: 0 makes each probe hit a counted miss. */
export const ENABLED_KNOB: KnobRange = { name: 'enabled', type: 'bool', min: 0n, max: 1n };

export interface KnobState extends KnobRange {
  value: bigint;
}

export interface ModuleKnobs {
  knobs: KnobState[];
  /** Milliseconds until a --disable-for re-enables the module; undefined when none is pending. */
  reenableMs?: number;
}

export function knobsPath(module: string): string {
  return `/sys/class/misc/${module}/params`;
}

export function parseKnobsFile(text: string): ModuleKnobs {
  const out: ModuleKnobs = { knobs: [] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'reenable_ms') {
      if (Number(f[1]) >= 0) out.reenableMs = Number(f[1]);
    } else if (f.length === 5 && PARAM_TYPES.includes(f[2] as ParamType)) {
      out.knobs.push({ name: f[0]!, value: BigInt(f[1]!), type: f[2] as ParamType, min: BigInt(f[3]!), max: BigInt(f[4]!) });
    }
  }
  return out;
}

/** The knobs of a loaded module, or undefined when it has no params file (built before knobs existed). */
export function readModuleKnobs(module: string): ModuleKnobs | undefined {
  try {
    return parseKnobsFile(fs.readFileSync(knobsPath(module), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The knobs a built module has, from its manifest: enabled first, then its params in the kernel's order. */
export function manifestKnobs(manifest: Manifest): KnobRange[] {
  return [ENABLED_KNOB, ...manifest.params.map((p) => ({ name: p.name, type: p.type, min: BigInt(p.min), max: BigInt(p.max) }))];
}

export interface KnobAssignment {
  name: string;
  value: bigint;
}

/**
 * `K=V` texts (--param, guru set) checked against KNOBS: each names a knob
 * and gives a value of its type in its range. WHAT names the flag in
 * messages. Every mistake is a UserError with the knobs' list as its hint.
 */
export function parseKnobAssignments(texts: readonly string[], knobs: readonly KnobRange[], what: string): KnobAssignment[] {
  const list = knobs.map((k) => `${k.name} (${describeKnobRange(k)})`).join(', ');
  return texts.map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UserError(`${what} ${text}: expected NAME=VALUE`, `e.g. ${what} ${knobs[knobs.length - 1]!.name}=0; knobs: ${list}`);
    const name = text.slice(0, eq).trim();
    const knob = knobs.find((k) => k.name === name);
    if (!knob) throw new UserError(`${what} ${text}: no knob named ${name}`, `knobs: ${list}`);
    const parsed = parseKnobValue(text.slice(eq + 1), knob);
    if ('error' in parsed) throw new UserError(`${what} ${text}: ${parsed.error}`);
    return { name, value: parsed.value };
  });
}

/** The command that sets A, for the control file or the params file. */
export function knobCommand(a: KnobAssignment): string {
  return `set ${a.name} ${a.value}`;
}

/** A knob's value as its type reads it (the kernel keeps every knob in an s64 word). */
export function knobValueText(value: bigint, type: ParamType | undefined): string {
  return type === 'u64' && value < 0n ? String(BigInt.asUintN(64, value)) : String(value);
}

/** "enabled=1 fix=0" */
export function formatKnobValues(knobs: readonly KnobState[]): string {
  return knobs.map((k) => `${k.name}=${knobValueText(k.value, k.type)}`).join(' ');
}

