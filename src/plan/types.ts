// The Plan: everything the renderer needs, resolved against one kernel.
// Pure data, JSON-serialisable (`guru check --json` prints it), and the
// input of a pure render step. Each probe's family-specific part is that
// family's (src/probeFamilies).
import type { LogFormatEntry } from '../expr/compileExpression.js';
import type { ParamType, VarScope, VarType } from '../patchSpec/types.js';
import type { PlanProbe } from '../probeFamilies/registry.js';
import type { PlanMap } from '../expr/aggregates.js';

export type { PlanProbe, PlanProbeKind } from '../probeFamilies/registry.js';
export type { PlanGuard } from '../probeFamilies/types.js';
export type { PlanMap } from '../expr/aggregates.js';

export interface PlanVar {
  name: string;
  type: VarType;
  scope: VarScope;
  /** Index within its scope's storage. */
  id: number;
}

/** A knob: values as decimal text (a u64 does not fit a JSON number). */
export interface PlanParam {
  name: string;
  type: ParamType;
  initial: string;
  min: string;
  max: string;
}

export interface Plan {
  planVersion: 1;
  name: string;
  /** Kernel module name: guru_<name>. */
  module: string;
  description?: string;
  /** The spec file as given (relative paths stay relative: #line uses it). */
  specFile: string;
  kernel: {
    release: string;
    /**
     * The one build of that release whose addresses the plan holds
     * (statement probes: from its DWARF); its module must run on that build
     * and no other. Absent when any build of the release will do.
     */
    buildId?: string;
  };
  vars: PlanVar[];
  params: PlanParam[];
  /** Maps and count("key") counters the probes use (kmod/guru_agg.c keeps them per CPU); absent when none. */
  maps?: PlanMap[];
  probes: PlanProbe[];
  formats: LogFormatEntry[];
  /** errno value → name, for formats that show return codes (returnstr()); from the target's headers. */
  errnoNames?: Record<string, string>;
}
