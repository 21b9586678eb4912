// Prometheus text checked two ways: parsed by a real parser
// (parse-prometheus-text-format, a port of Prometheus' prom2json), and each
// line held to the exposition format's grammar, which that parser is
// lenient about (it reads `bad line here{` as a metric).
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^${NAME}(?:\\{${LABEL}(?:,${LABEL})*\\})? (?:-?[0-9]+|\\+Inf|-Inf|NaN)$`);
const META = new RegExp(`^# (?:HELP ${NAME} .*|TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped))$`);

/** TEXT's families, or a throw naming the first line that breaks the grammar. */
export function parsePrometheus(text: string): ParsedFamily[] {
  if (text && !text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  for (const line of text.split('\n').slice(0, -1)) {
    if (!SAMPLE.test(line) && !META.test(line)) throw new Error(`not a line of the text format: ${line}`);
  }
  return parsePrometheusTextFormat(text);
}

/** The value of NAME's sample whose labels include LABELS. */
export function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string>): string | undefined {
  const f = families.find((x) => x.name === name);
  return f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
}
