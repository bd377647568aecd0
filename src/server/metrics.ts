/**
 * A small Prometheus-style metrics registry: labelled counters rendered in the text exposition format.
 * The composition root feeds runtime events (refreshes, failures) into it; the server counts connect flows,
 * action calls and HTTP requests itself.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

interface Counter {
  readonly help: string;
  readonly series: Map<string, { labels: Labels; value: number }>;
}

/** The counters Keyway exposes, with their help text. */
export const METRIC_HELP = {
  keyway_connect_flows_total: 'Connect flows finished, by grant and outcome.',
  keyway_action_calls_total: 'Actions run through the API, by component, action and outcome.',
  keyway_token_refreshes_total: 'Token refreshes, by outcome.',
  keyway_token_refresh_failures_total: 'Failed token refreshes, by error code.',
  keyway_http_requests_total: 'HTTP requests answered, by method, route and status class.',
  keyway_trigger_requests_total:
    'Requests to trigger URLs, by outcome (answered by the trigger, or refused).',
} as const;

/** A counter name from {@link METRIC_HELP}. */
export type MetricName = keyof typeof METRIC_HELP;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function seriesKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}="${escapeLabel(labels[key] ?? '')}"`)
    .join(',');
}

/** Labelled counters, rendered for `GET /metrics`. */
export class Metrics {
  readonly #counters = new Map<MetricName, Counter>();

  /** Adds `by` (default 1) to the series of `name` with `labels`. */
  inc(name: MetricName, labels: Labels = {}, by = 1): void {
    let counter = this.#counters.get(name);
    if (!counter) {
      counter = { help: METRIC_HELP[name], series: new Map() };
      this.#counters.set(name, counter);
    }
    const key = seriesKey(labels);
    const series = counter.series.get(key);
    if (series) series.value += by;
    else counter.series.set(key, { labels, value: by });
  }

  /** The current value of one series (0 when never incremented). */
  value(name: MetricName, labels: Labels = {}): number {
    return this.#counters.get(name)?.series.get(seriesKey(labels))?.value ?? 0;
  }

  /** The registry in Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    for (const name of Object.keys(METRIC_HELP) as MetricName[]) {
      lines.push(`# HELP ${name} ${METRIC_HELP[name]}`, `# TYPE ${name} counter`);
      const counter = this.#counters.get(name);
      for (const [key, series] of counter?.series ?? []) {
        lines.push(`${name}${key ? `{${key}}` : ''} ${series.value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
