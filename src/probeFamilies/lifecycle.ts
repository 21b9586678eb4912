// The lifecycle family: `begin` and `end` (SystemTap's, bpftrace's BEGIN
// and END). Handlers the runtime calls when the supervisor arms and disarms
// the module, in process context; no kernel function, no target variables,
// and no where: guard (it would only ever test the supervisor).
import type { ProbeFamily } from './types.js';

export interface LifecyclePlacement {
  kind: 'begin' | 'end';
}

export const lifecycleFamily: ProbeFamily<LifecyclePlacement, 'begin' | 'end'> = {
  name: 'lifecycle',
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
