// How a knob change the kernel reported (a GURU_REC_KNOB record) reads in
// the event stream and the summary.
import type { Manifest } from '../render/manifest.js';
import type { GuruEvent } from './decodeRecords.js';
import { knobValueText } from './knobs.js';

export type KnobEvent = Extract<GuruEvent, { type: 'knob' }>;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** "knob fix: 1 -> 0 (guru set, pid 123)". */
export function knobChangeText(e: KnobEvent, manifest: Manifest): string {
  const type = e.knob === 0 ? 'bool' : manifest.params[e.knob - 1]?.type;
  const change = `knob ${e.name}: ${knobValueText(e.old, type)} -> ${knobValueText(e.value, type)}`;
  switch (e.cause) {
    case 'set':
      return `${change} (guru set, pid ${e.pid})`;
    case 'disable-for':
      return `${change} for ${seconds(e.ms)} (guru set --disable-for, pid ${e.pid})`;
    case 'reenabled':
      return `${change} (the --disable-for time ran out)`;
  }
}
