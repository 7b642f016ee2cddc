/*
 * Small helpers of the benchmark harness: timing, medians and the report (one JSON line and one
 * Markdown table per scenario). Benchmarks report figures; they assert nothing about time.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const nowMs = () => performance.now();

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `body` and returns its result with the elapsed milliseconds. */
export async function timed(body) {
  const start = nowMs();
  const result = await body();
  return { result, elapsedMs: nowMs() - start };
}

/**
 * A time budget for one scenario: `check()` throws once it is spent, so a scenario stops between
 * repetitions (or between setup steps) instead of running on unbounded.
 */
export class Deadline {
  constructor(maxSeconds) {
    this.maxSeconds = maxSeconds;
    this.endMs = nowMs() + maxSeconds * 1000;
  }

  get isSpent() {
    return nowMs() > this.endMs;
  }

  check(what) {
    if (this.isSpent) {
      throw new BudgetSpentError(`--max-seconds ${this.maxSeconds} spent during ${what}`);
    }
  }
}

export class BudgetSpentError extends Error {
  code = 'budget_spent';
}

const round = (value, digits) => Number(value.toFixed(digits));

/** One figure of a scenario: a metric of one implementation over its repetitions. */
export function figure({ metric, implementation, unit, samples, goal = null }) {
  const value = median(samples);
  return {
    metric,
    implementation,
    unit,
    median: round(value, unit === 'ms' ? 2 : 0),
    min: round(Math.min(...samples), unit === 'ms' ? 2 : 0),
    max: round(Math.max(...samples), unit === 'ms' ? 2 : 0),
    repetitions: samples.length,
    goal,
  };
}

/** The facade's median over the peer's for the same metric (for ms lower is better). */
export function ratio(facade, peer) {
  return round(facade.median / peer.median, 2);
}

export function markdownTable(result) {
  const lines = [
    `### ${result.scenario} (${result.parameters})`,
    '',
    '| metric | implementation | median | min | max | reps | goal |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const f of result.figures) {
    lines.push(
      `| ${f.metric} | ${f.implementation} | ${f.median} ${f.unit} | ${f.min} | ${f.max} | ` +
        `${f.repetitions} | ${f.goal ?? ''} |`,
    );
  }
  // A scenario names its two sides when they are not the MLS facade and naive ts-mls.
  const { subject, peer } = result.ratioOf ?? { subject: 'facade', peer: 'naive ts-mls' };
  const direction =
    result.figures[0]?.unit === 'ms' ? `below 1: ${subject} faster` : `above 1: ${subject} faster`;
  for (const [metric, value] of Object.entries(result.ratios)) {
    const shown = value ?? 'not measured';
    lines.push(`| ${metric} | ratio ${subject} / ${peer} (${direction}) | ${shown} | | | | |`);
  }
  for (const note of result.notes ?? []) lines.push('', note);
  return lines.join('\n');
}
