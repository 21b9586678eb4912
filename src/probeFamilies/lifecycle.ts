// The lifecycle family: `begin` and `end` (SystemTap's, bpftrace's BEGIN
// and END). Handlers the runtime calls when the supervisor arms and disarms
// the module, in process context; no kernel function, no target variables,
// and no where: guard (it would only ever test the supervisor).
import type { ProbePointSpelling } from '../patchSpec/probePointSyntax.js';
import type { ProbeFamily } from './types.js';

export interface LifecyclePoint {
  kind: 'begin' | 'end';
}

/** `begin`/`end` (SystemTap's and guru's), `BEGIN`/`END` (bpftrace's). */
const lifecycleSpelling: ProbePointSpelling<LifecyclePoint> = {
  points: ['begin', 'end'],
  kindNames: ['begin', 'end'],
  words: { begin: { kind: 'begin' }, BEGIN: { kind: 'begin' }, end: { kind: 'end' }, END: { kind: 'end' } },
  format: (point) => point.kind,
};

export interface LifecyclePlacement {
  kind: 'begin' | 'end';
}

export const lifecycleFamily: ProbeFamily<LifecyclePlacement, LifecyclePoint> = {
  name: 'lifecycle',
  spellings: lifecycleSpelling,
  spelling: 'begin, end',
  kinds: ['begin', 'end'],
  points: ['begin', 'end'],
  context: 'supervisor',
  resolve: (point) => ({ targets: new Map(), unavailableTargets: new Map(), readOnly: new Map(), writeWarnings: new Map(), placement: { kind: point.kind } }),
  body: () => ({ params: 'void', hasRegs: false, setup: [] }),
  render: (probes, ctx) => ({
    begin: probes.filter((p) => p.kind === 'begin').map((p) => ctx.probeFn(p)),
    end: probes.filter((p) => p.kind === 'end').map((p) => ctx.probeFn(p)),
  }),
  where: () => '',
};
