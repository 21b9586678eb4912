// How timer points are written: guru's `timer:Ns` / `timer:Nms`,
// SystemTap's `timer.s(N)`, `timer.sec(N)`, `timer.ms(N)`, `timer.msec(N)`,
// bpftrace's `interval:s:N`, `interval:ms:N` (and `interval:Ns`).
import { fail, type ProbePointError, type ProbePointSpelling, type StapComponent } from '../../patchSpec/probePointSyntax.js';

export interface TimerPoint {
  kind: 'timer';
  /** The period in milliseconds (TIMER_MIN_MS .. TIMER_MAX_MS). */
  periodMs: number;
}

/**
 * Shortest and longest timer period. A timer probe is for periodic reports
 * and re-checks (SystemTap's band-aids report every 60s), not for sampling:
 * each run owns its CPU's probe scratch for its duration (a kprobe hitting
 * that CPU meanwhile is a counted miss) and may put a record of up to 4 KiB
 * into the event channel. 10ms (100 runs a second per timer) keeps that far
 * below what the supervisor drains, and is above a HZ=250 kernel's tick,
 * so the period is what the spec says on any kernel. The longest is a C
 * `int` of milliseconds (24 days).
 */
export const TIMER_MIN_MS = 10;
export const TIMER_MAX_MS = 2_147_483_647;

const SHAPE = 'timer:Ns or timer:Nms (at least 10ms), e.g. timer:1s';

const TIMER_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000 };

/** `Nms` / `Ns` in text[from, end). */
function parseTimerPeriod(text: string, from: number, spelling: string): TimerPoint | ProbePointError {
  const period = text.slice(from);
  const match = /^([0-9]+)([a-z]*)$/.exec(period);
  if (!match) {
    return fail(`malformed timer period '${period}'`, from, period.length, `expected ${SHAPE}`);
  }
  const [, amountText, unit] = match;
  if (TIMER_UNITS[unit] === undefined) {
    const message = unit === '' ? 'timer period needs a unit' : `unsupported timer unit '${unit}'`;
    return fail(message, from + amountText.length, unit.length, timerUnitHint(spelling, Number(amountText), unit));
  }
  return timerPoint(Number(amountText), unit, from, period.length, amountText);
}

const LONGER_UNITS_IN_SECONDS: Readonly<Record<string, number>> = { m: 60, min: 60, h: 3600 };

function timerUnitHint(spelling: string, amount: number, unit: string): string {
  const seconds = LONGER_UNITS_IN_SECONDS[unit];
  if (seconds !== undefined) return `timers take ms or s: ${spelling}${amount * seconds}s`;
  if (unit === 'us' || unit === 'ns') return `timers take ms or s, and the shortest period is ${TIMER_MIN_MS}ms: ${spelling}${TIMER_MIN_MS}ms`;
  const inMs = amount >= TIMER_MIN_MS ? `${spelling}${amount}ms or ` : '';
  return `timers take ms or s, at least ${TIMER_MIN_MS}ms: ${inMs}${spelling}${amount}s`;
}

function timerPoint(amount: number, unit: string, offset: number, length: number, amountText: string): TimerPoint | ProbePointError {
  if (amountText.length > 1 && amountText.startsWith('0')) {
    return fail(`malformed timer period '${amountText}'`, offset, length, `write it without leading zeros: ${Number(amountText)}`);
  }
  const periodMs = amount * (TIMER_UNITS[unit] ?? 1);
  if (periodMs < TIMER_MIN_MS) {
    const why = periodMs === 0 ? 'a timer needs a period' : 'timer probes are for periodic reports and checks, not sampling';
    return fail(`timer period must be at least ${TIMER_MIN_MS}ms`, offset, length, `${why}: e.g. timer:${TIMER_MIN_MS}ms, timer:100ms or timer:1s`);
  }
  if (!Number.isSafeInteger(periodMs) || periodMs > TIMER_MAX_MS) {
    return fail(`timer period is too long (more than ${TIMER_MAX_MS}ms)`, offset, length, 'use a period under 24 days');
  }
  return { kind: 'timer', periodMs };
}

/** bpftrace `interval:s:1`, `interval:ms:100` (and the newer `interval:1s`). */
function parseInterval(text: string, from: number): TimerPoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) return parseTimerPeriod(text, from, 'interval:');
  const unit = text.slice(from, colon);
  const amountText = text.slice(colon + 1);
  if (TIMER_UNITS[unit] === undefined) {
    return fail(`unsupported interval unit '${unit}'`, from, unit.length, `intervals take ms or s, at least ${TIMER_MIN_MS}ms: interval:ms:100 or interval:s:1`);
  }
  if (!/^[0-9]+$/.test(amountText)) {
    return fail(`malformed interval '${amountText}'`, colon + 1, amountText.length, `expected interval:${unit}:N, e.g. interval:s:1`);
  }
  return timerPoint(Number(amountText), unit, colon + 1, amountText.length, amountText);
}

const STAP_TIMER_UNITS: Readonly<Record<string, string>> = { s: 's', sec: 's', ms: 'ms', msec: 'ms' };

function stapTimer(text: string, components: StapComponent[]): TimerPoint | ProbePointError {
  const [head, unit, ...rest] = components;
  if (!unit || head.arg) return fail('malformed SystemTap timer', head.start, text.length, 'write timer.s(N) or timer.ms(N)');
  const canonicalUnit = STAP_TIMER_UNITS[unit.name];
  if (canonicalUnit === undefined) {
    return fail(`unsupported timer unit '${unit.name}'`, unit.start, unit.name.length, `timers take ms or s, at least ${TIMER_MIN_MS}ms: timer.ms(N) or timer.s(N)`);
  }
  if (rest.length > 0) return fail(`unsupported suffix '.${rest[0].name}'`, rest[0].start, rest[0].end - rest[0].start, 'write timer.s(N) or timer.ms(N)');
  if (!unit.arg || unit.arg.quoted || !/^[0-9]+$/.test(unit.arg.value)) {
    const at = unit.arg ? unit.arg.start : unit.end;
    return fail('timer needs a whole number of units in parentheses', at, unit.arg?.value.length ?? 1, `e.g. timer.${unit.name}(1)`);
  }
  return timerPoint(Number(unit.arg.value), canonicalUnit, unit.arg.start, unit.arg.value.length, unit.arg.value);
}

export const timerSpelling: ProbePointSpelling<TimerPoint> = {
  points: ['timer'],
  kindNames: ['timer'],
  colon: [
    { prefixes: ['timer'], shape: SHAPE, parse: (text, from) => parseTimerPeriod(text, from, 'timer:') },
    { prefixes: ['interval'], guruName: false, shape: SHAPE, parse: parseInterval },
  ],
  systemTap: [
    { head: 'timer', form: 'timer.s(N), timer.ms(N)', parse: (text, components) => stapTimer(text, components) },
  ],
  foreign: { profile: 'timer:Nms', p: 'timer:Nms' },
  format: (point) => (point.periodMs % 1000 === 0 ? `timer:${point.periodMs / 1000}s` : `timer:${point.periodMs}ms`),
};
