// The values a knob (params:) may take: its type's range, narrowed by the
// spec's min:/max:. Shared by the spec parser, the plan and `guru set` /
// `--param`, which check a value before the kernel (which checks it again).
import type { ParamType } from './types.js';

export const PARAM_TYPES: readonly ParamType[] = ['s64', 'u64', 's32', 'u32', 'bool'];

/** Each type's whole range. */
export const PARAM_TYPE_RANGE: Readonly<Record<ParamType, { min: bigint; max: bigint }>> = {
  s64: { min: -(1n << 63n), max: (1n << 63n) - 1n },
  u64: { min: 0n, max: (1n << 64n) - 1n },
  s32: { min: -(1n << 31n), max: (1n << 31n) - 1n },
  u32: { min: 0n, max: (1n << 32n) - 1n },
  bool: { min: 0n, max: 1n },
};

/** A knob as `guru set` and `--param` check values against it. */
export interface KnobRange {
  name: string;
  type: ParamType;
  min: bigint;
  max: bigint;
}

/**
 * TEXT as a value of KNOB: a decimal, 0x hex or 0 octal integer, optionally
 * negative (and true/false for a bool); an error message otherwise.
 */
export function parseKnobValue(text: string, knob: KnobRange): { value: bigint } | { error: string } {
  const t = text.trim();
  let value: bigint | undefined;
  if (knob.type === 'bool' && /^(true|false)$/i.test(t)) value = /^true$/i.test(t) ? 1n : 0n;
  else if (/^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(t)) {
    const neg = t.startsWith('-');
    const digits = neg ? t.slice(1) : t;
    const v = /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
    value = neg ? -v : v;
  }
  if (value === undefined) {
    return { error: `${knob.name} takes an integer${knob.type === 'bool' ? ' (0 or 1)' : ''}, not '${text}'` };
  }
  if (value < knob.min || value > knob.max) return { error: `${knob.name}=${t} is out of range: ${knob.name} is ${describeKnobRange(knob)}` };
  return { value };
}

/** "a bool (0 or 1)", "a u32 from 0 to 100", "an s64 from -9223372036854775808 to ...". */
export function describeKnobRange(knob: KnobRange): string {
  if (knob.type === 'bool') return 'a bool (0 or 1)';
  const article = knob.type.startsWith('s') ? 'an' : 'a'; // "an s64", "a u32"
  return `${article} ${knob.type} from ${knob.min} to ${knob.max}`;
}
