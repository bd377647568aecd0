/**
 * The benchmark harness (`npm run bench`, started by bench/main.ts). Each `bench/<section>.ts` exports
 * `section: BenchSection`; main.ts runs them one after another and prints one table of
 * absolute figures, same-run baselines, ratios and PASS/MISS against the targets, with the min–max spread of
 * three runs. It writes bench/results/latest.{json,md}. A MISS is reported, never hidden: the process exits 0
 * unless a section crashed.
 *
 * Rules the sections follow (the machine is small and shared): warm up before measuring (≥ 3,000 calls or
 * ≥ 1 s), take the median of three runs, run a baseline in the same process and run, alternate baseline and
 * subject in slices within each run so drift hits both (ratios are paired per run), and gate on throughput and
 * CPU per call at 16 concurrent callers rather than on single-call tail latency.
 */

/** `--quick` (or KEYWAY_BENCH_QUICK=1): small scales for development; figures are indicative only. */
export const QUICK = process.argv.includes('--quick') || process.env['KEYWAY_BENCH_QUICK'] === '1';

/** Concurrent callers for throughput scenarios. */
export const CONCURRENCY = 16;

/** Timed runs per figure; the median is reported with the min–max spread. */
export const RUNS = 3;

/** An integer scale knob: `KEYWAY_BENCH_<NAME>` if set, else the full or quick default. */
export function knob(name: string, full: number, quick: number): number {
  const raw = process.env[`KEYWAY_BENCH_${name}`];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`KEYWAY_BENCH_${name} must be a positive integer, got "${raw}"`);
    }
    return value;
  }
  return QUICK ? quick : full;
}

/** One measured operation, driven by the harness. Either `run(n)` (sequential) or `op()` (concurrent). */
export interface BenchCase {
  readonly name: string;
  /** Distinguishes variants (an engine, a provider). */
  readonly variant: string;
  /** Operations per timed run. */
  readonly iterations: number;
  /** Performs the operation `iterations` times, one after another. */
  run(iterations: number): Promise<void>;
}

/** A median with its spread over {@link RUNS} runs. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One row of the results table. */
export interface BenchRow {
  readonly section: string;
  readonly name: string;
  readonly variant: string;
  /** e.g. `calls/s`, `ms`, `MB`, `requests`. */
  readonly unit: string;
  readonly value: Spread;
  /** The same-run baseline this figure is compared with. */
  readonly baseline?: { readonly label: string; readonly value: Spread };
  /** value ÷ baseline (medians), when there is a baseline. */
  readonly ratio?: number;
  /** The target in words, e.g. `≥ 0.95× baseline`. */
  readonly target?: string;
  readonly verdict?: 'PASS' | 'MISS';
  readonly note?: string;
}

/** What a section's setup returns. */
export interface SectionRun {
  /** Sequential cases measured by the harness as ops/s (median of three after a warm-up). */
  readonly cases?: BenchCase[];
  /** Scenario rows the section measures itself (with the helpers below). */
  measure?(): Promise<BenchRow[]>;
  /** Variants that could not be set up, and why; reported as notes. */
  readonly unavailable?: { variant: string; reason: string }[];
  /** Notes printed under the table (e.g. what the fake servers are). */
  readonly notes?: string[];
  teardown(): Promise<void>;
}

/** A group of cases or scenarios sharing setup, e.g. "store". */
export interface BenchSection {
  readonly name: string;
  setup(): Promise<SectionRun>;
}

/** The median and range of `values`. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/** Wall time and this process's CPU time (user + system) of one timed stretch. */
export interface Timing {
  readonly seconds: number;
  readonly cpuMs: number;
  /** When the stretch began and ended, on the `performance.now()` clock (to attribute GC pauses to it). */
  readonly from: number;
  readonly to: number;
}

/** Times `fn`, in wall seconds and this process's CPU milliseconds. */
export async function timed(fn: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const from = performance.now();
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuMs: (used.user + used.system) / 1000, from, to: performance.now() };
}

/**
 * The main thread's garbage-collection pauses while it runs, from node's `gc` performance entries (which
 * arrive a moment after each collection, so {@link GcPauses.stop} waits a turn for the last ones). Collection
 * work V8 does concurrently on its helper threads is not a pause and is not counted here; it shows in CPU.
 */
export class GcPauses {
  readonly #pauses: { readonly at: number; readonly ms: number }[] = [];
  readonly #observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.#pauses.push({ at: entry.startTime, ms: entry.duration });
  });

  constructor() {
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    this.#observer.disconnect();
  }

  /** Milliseconds of pauses that began within any of `stretches`. */
  within(stretches: readonly Timing[]): number {
    let total = 0;
    for (const pause of this.#pauses) {
      if (stretches.some((t) => pause.at >= t.from && pause.at < t.to)) total += pause.ms;
    }
    return total;
  }
}

/** Runs `op` `total` times with `concurrency` callers, each starting its next call when its last one ends. */
export async function drive(
  op: () => Promise<void>,
  total: number,
  concurrency = CONCURRENCY,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (started < total) {
        started++;
        await op();
      }
    }),
  );
}

const WARM_CALLS = 3000;
const WARM_MS = 1000;
const WARM_CAP_MS = 5000;

/**
 * Warms `op` up with `concurrency` callers: at least 3,000 calls and 1 s, but never more than 5 s (a slow
 * operation stops after 5 s, which is still ≥ 1 s), so JIT, pools and caches are hot before anything is timed.
 */
export async function warmUp(op: () => Promise<void>, concurrency = CONCURRENCY): Promise<number> {
  const start = Date.now();
  let calls = 0;
  const enough = (): boolean => {
    const elapsed = Date.now() - start;
    return (calls >= WARM_CALLS && elapsed >= WARM_MS) || elapsed >= WARM_CAP_MS;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!enough()) {
        calls++;
        await op();
      }
    }),
  );
  return calls;
}

/** Throughput and CPU per call of one operation over {@link RUNS} runs. */
export interface Throughput {
  readonly perSecond: Spread;
  readonly cpuMsPerOp: Spread;
  /** The main thread's garbage-collection pauses per call (part of `cpuMsPerOp`). */
  readonly gcMsPerOp: Spread;
}

/** Baseline and subject take turns this many times within one timed run. */
const SLICES_PER_RUN = 5;

/**
 * Measures `subject` against `baseline` at `concurrency` callers: both warmed up, then three runs of
 * `iterations` calls each. Within a run the two take turns in {@link SLICES_PER_RUN} slices, so the machine's
 * drift (a shared, noisy host) hits both alike; a run's figure is its calls over the sum of its slices' times.
 * The ratio is the median of the three runs' paired ratios (subject ÷ baseline of the same run), not a
 * ratio of medians taken from different moments.
 */
export async function compareThroughput(options: {
  readonly subject: () => Promise<void>;
  readonly baseline: () => Promise<void>;
  readonly iterations: number;
  readonly concurrency?: number;
}): Promise<{ subject: Throughput; baseline: Throughput; ratio: number }> {
  const concurrency = options.concurrency ?? CONCURRENCY;
  await warmUp(options.baseline, concurrency);
  await warmUp(options.subject, concurrency);
  const slice = Math.max(concurrency, Math.floor(options.iterations / SLICES_PER_RUN));
  const calls = slice * SLICES_PER_RUN;
  /** Per side, per run: its slices. */
  const runs = { subject: [] as Timing[][], baseline: [] as Timing[][] };
  const gc = new GcPauses();
  try {
    for (let i = 0; i < RUNS; i++) {
      const slices = { subject: [] as Timing[], baseline: [] as Timing[] };
      for (let k = 0; k < SLICES_PER_RUN; k++) {
        for (const side of ['baseline', 'subject'] as const) {
          slices[side].push(await timed(() => drive(options[side], slice, concurrency)));
        }
      }
      runs.baseline.push(slices.baseline);
      runs.subject.push(slices.subject);
    }
  } finally {
    await gc.stop();
  }
  const sum = (slices: Timing[], of: (t: Timing) => number): number =>
    slices.reduce((total, t) => total + of(t), 0);
  const summarize = (perRun: Timing[][]): Throughput => ({
    perSecond: spread(perRun.map((slices) => calls / sum(slices, (t) => t.seconds))),
    cpuMsPerOp: spread(perRun.map((slices) => sum(slices, (t) => t.cpuMs) / calls)),
    gcMsPerOp: spread(perRun.map((slices) => gc.within(slices) / calls)),
  });
  const seconds = (slices: Timing[] | undefined): number =>
    slices === undefined ? Number.NaN : sum(slices, (t) => t.seconds);
  const paired = runs.subject.map((slices, i) => seconds(runs.baseline[i]) / seconds(slices));
  return {
    subject: summarize(runs.subject),
    baseline: summarize(runs.baseline),
    ratio: spread(paired).median,
  };
}

/** PASS when `ok`, else MISS. */
export function verdict(ok: boolean): 'PASS' | 'MISS' {
  return ok ? 'PASS' : 'MISS';
}

/** Why a variant could not run, in one line. */
export function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown';
}

/** Warms up, then measures one simple case three times. */
export async function measureCase(c: BenchCase): Promise<Spread> {
  // Warm-up: ≥ 3,000 calls or ≥ 1 s (whichever comes first; capped for slow cases).
  const start = Date.now();
  let calls = 0;
  while (calls < WARM_CALLS && Date.now() - start < WARM_MS) {
    const n = Math.max(1, Math.floor(c.iterations / 10));
    await c.run(n);
    calls += n;
  }
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = await timed(() => c.run(c.iterations));
    rates.push(c.iterations / t.seconds);
  }
  return spread(rates);
}

/** A figure for display. */
export function fmt(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

/**
 * A ratio for display: two decimals, or more when two would land on (or across) a threshold named in the
 * target, so 1.2012 against "≤ 1.2×" shows as "1.2012×", never as a "1.20×" that reads like a pass.
 */
export function formatRatio(ratio: number, target = ''): string {
  const thresholds = [...target.matchAll(/(\d+(?:\.\d+)?)×/g)].map((m) => Number(m[1]));
  const misleading = (shown: number): boolean =>
    thresholds.some((t) => Math.sign(shown - t) !== Math.sign(ratio - t));
  let digits = 2;
  while (digits < 10 && misleading(Number(ratio.toFixed(digits)))) digits++;
  return `${ratio.toFixed(digits)}×`;
}

function fmtSpread(s: Spread): string {
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** The results as a markdown table with notes. */
export function table(rows: readonly BenchRow[], notes: readonly string[]): string {
  const lines = [
    '| section | case | variant | median (min–max) | unit | baseline median (min–max) | ratio | target | result |',
    '| --- | --- | --- | ---: | --- | --- | ---: | --- | --- |',
    ...rows.map((r) =>
      [
        '',
        r.section,
        r.name,
        r.variant,
        fmtSpread(r.value),
        r.unit,
        r.baseline ? `${r.baseline.label}: ${fmtSpread(r.baseline.value)}` : '',
        r.ratio !== undefined ? formatRatio(r.ratio, r.target) : '',
        r.target ?? '',
        r.verdict ? `**${r.verdict}**` : '',
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ];
  const rowNotes = rows.filter((r) => r.note).map((r) => `${r.section}/${r.variant} ${r.name}: ${r.note}`);
  return [...lines, '', ...[...notes, ...rowNotes].map((n) => `- ${n}`)].join('\n');
}
