// How tracepoint points are written: guru's `tracepoint:CAT:EVENT`
// (`tracepoint:*:EVENT`: the resolver finds the category), bpftrace's
// `t:CAT:EVENT`, SystemTap's `kernel.trace("EVENT")` / `kernel.trace("CAT:EVENT")`.
import { checkChars, fail, missing, type Charset, type ProbePointError, type ProbePointSpelling } from '../../patchSpec/probePointSyntax.js';

export interface TracepointPoint {
  kind: 'tracepoint';
  category: string;
  event: string;
}

/** The kind `*` stands for in `tracepoint:*:EVENT`: category unknown, the resolver finds it. */
export const ANY_TRACEPOINT_CATEGORY = '*';

const SHAPE = 'tracepoint:CATEGORY:EVENT, e.g. tracepoint:sched:sched_switch';

const TRACEPOINT_CHARS: Charset = {
  test: (c) => /^[A-Za-z0-9_]$/.test(c),
  what: 'tracepoint name',
  description: 'letters, digits and _',
};

function parseTracepoint(text: string, from: number): TracepointPoint | ProbePointError {
  const colon = text.indexOf(':', from);
  if (colon < 0) {
    return fail('missing tracepoint category', from, text.length - from, `expected ${SHAPE} (or tracepoint:*:EVENT to let guru find the category)`);
  }
  return tracepointPoint(text, from, colon, colon + 1, text.length);
}

function tracepointPoint(text: string, catFrom: number, catTo: number, eventFrom: number, eventTo: number): TracepointPoint | ProbePointError {
  if (catTo === catFrom) return missing('tracepoint category', catFrom, SHAPE);
  if (eventTo === eventFrom) return missing('tracepoint event', eventFrom, SHAPE);
  const category = text.slice(catFrom, catTo);
  if (category !== ANY_TRACEPOINT_CATEGORY) {
    const bad = checkChars(text, catFrom, catTo, TRACEPOINT_CHARS, 'tracepoint', false);
    if (bad) return bad;
  }
  const bad = checkChars(text, eventFrom, eventTo, TRACEPOINT_CHARS, 'tracepoint', false);
  if (bad) return bad;
  return { kind: 'tracepoint', category, event: text.slice(eventFrom, eventTo) };
}

export const tracepointSpelling: ProbePointSpelling<TracepointPoint> = {
  points: ['tracepoint'],
  kindNames: ['tracepoint'],
  colon: [{ prefixes: ['tracepoint', 't'], shape: SHAPE, parse: parseTracepoint }],
  systemTap: [
    {
      head: 'kernel',
      target: 'trace',
      form: 'kernel.trace("EVENT")',
      parse: ({ text, target }) => {
        // kernel.trace("EVENT") does not say which category; `*` lets the resolver find it.
        const arg = target.arg;
        const argEnd = arg.start + arg.value.length;
        const colon = arg.value.indexOf(':');
        if (colon >= 0) return tracepointPoint(text, arg.start, arg.start + colon, arg.start + colon + 1, argEnd);
        if (arg.value === '') return missing('tracepoint event', arg.start, SHAPE);
        const bad = checkChars(text, arg.start, argEnd, TRACEPOINT_CHARS, 'tracepoint', false);
        if (bad) return bad;
        return { kind: 'tracepoint', category: ANY_TRACEPOINT_CATEGORY, event: arg.value };
      },
    },
  ],
  foreign: { rawtracepoint: 'tracepoint:CATEGORY:EVENT', rt: 'tracepoint:CATEGORY:EVENT' },
  format: (point) => `tracepoint:${point.category}:${point.event}`,
};
