// A timer probe's part of the plan: how often it runs.
export interface TimerPlacement {
  kind: 'timer';
  /** The period in milliseconds (TIMER_MIN_MS .. TIMER_MAX_MS of timer/spelling.ts). */
  periodMs: number;
}
