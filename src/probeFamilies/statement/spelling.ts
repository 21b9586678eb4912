// How statement points are written: guru's `statement:FUNC@FILE:LINE` and
// SystemTap's `kernel.statement("FUNC@FILE:LINE")`.
import { isProbePointError, parseFuncFileLine, type ProbePointSpelling } from '../../patchSpec/probePointSyntax.js';

export interface StatementPoint {
  kind: 'statement';
  func: string;
  file: string;
  line: number;
}

const SHAPE = 'statement:FUNC@FILE:LINE, e.g. statement:ksys_write@fs/read_write.c:615';

export const statementSpelling: ProbePointSpelling<StatementPoint> = {
  points: ['statement'],
  kindNames: ['statement'],
  colon: [
    {
      prefixes: ['statement'],
      shape: SHAPE,
      parse: (text, from) => {
        const site = parseFuncFileLine(text, from, text.length, 'statement', SHAPE, false);
        return isProbePointError(site) ? site : { kind: 'statement', ...site };
      },
    },
  ],
  systemTap: [
    {
      head: 'kernel',
      target: 'statement',
      form: 'kernel.statement("FUNC@FILE:LINE")',
      parse: ({ text, target }) => {
        const site = parseFuncFileLine(text, target.arg.start, target.arg.start + target.arg.value.length, 'statement', SHAPE, false);
        return isProbePointError(site) ? site : { kind: 'statement', ...site };
      },
    },
  ],
  format: (point) => `statement:${point.func}@${point.file}:${point.line}`,
};
