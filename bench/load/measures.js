/*
 * Measurements shared by the load scenarios: percentiles, the Amtsbote server's event-loop lag
 * read from its /metrics while a scenario runs, and CPU use of a process from /proc.
 */
import { median } from '../stats.js';

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
  };
}

/** The value of an unlabelled series of a Prometheus text exposition. */
export function metricValue(text, name) {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match === null ? null : Number(match[1]);
}

/** The server samples its event loop every 10 ms (metrics.ts, eventLoopMonitoringPrecision). */
const LAG_RESOLUTION_MS = 10;

/**
 * Reads nodejs_eventloop_lag_max_seconds from the server every second. prom-client resets the
 * lag histogram at each read, so each reading is the worst of the second before it. Node's
 * histogram holds the time between two samples, so the lag is that minus the 10 ms resolution.
 */
export async function sampleEventLoopLag(metricsText) {
  const readings = [];
  let isRunning = true;
  const read = async () => {
    const value = metricValue(await metricsText(), 'nodejs_eventloop_lag_max_seconds');
    return value === null ? null : Math.max(0, value * 1000 - LAG_RESOLUTION_MS);
  };
  // The first read only resets the histogram: it holds everything since the server started.
  await read();
  const timer = setInterval(async () => {
    try {
      const lag = await read();
      if (lag !== null && isRunning) readings.push(lag);
    } catch {
      // A missed reading (server busy past the fetch) is not a figure.
    }
  }, 1000);
  return {
    async stop() {
      isRunning = false;
      clearInterval(timer);
      // The last stretch, since the last reading.
      const last = await read().catch(() => null);
      if (last !== null) readings.push(last);
      return {
        maxMs: readings.length === 0 ? null : Math.max(...readings),
        medianMs: readings.length === 0 ? null : median(readings),
        readings: readings.length,
      };
    },
  };
}

export const round = (value, digits = 1) =>
  value === null || Number.isNaN(value) ? null : Number(value.toFixed(digits));
