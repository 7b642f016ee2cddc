/*
 * The figures and notes of the web-budgets scenario from its measurements (web-budgets.js):
 * frame statistics, the budgets' figures with their goals, the largest scripts.
 */
import { figure } from './stats.js';

const LONG_FRAME_MS = 50;
const KB = 1000;

const percentile = (values, p) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
};

/** One recording's frame figures: the longest frame is the longer of rAF gap and LoAF. */
export function frameStats({ gapsMs, loafs }) {
  const loafMax = Math.max(0, ...loafs.map((l) => l.durationMs));
  return {
    frames: gapsMs.length,
    maxMs: Math.max(0, ...gapsMs, loafMax),
    p95Ms: percentile(gapsMs, 0.95),
    gapsOver50: gapsMs.filter((g) => g > LONG_FRAME_MS).length,
    loafCount: loafs.length,
    loafMaxMs: loafMax,
    loafBlockingMs: loafs.reduce((sum, l) => sum + (l.blockingMs ?? 0), 0),
  };
}

function scriptFigures(totals, implementation) {
  const kb = (bytes) => [bytes / KB];
  return [
    figure({
      metric: 'chat route JavaScript, gzip -9',
      implementation,
      unit: 'kB',
      samples: kb(totals.gzipBytes),
      goal: '≤ 250 kB',
    }),
    figure({
      metric: 'chat route JavaScript, brotli 11 (reference)',
      implementation,
      unit: 'kB',
      samples: kb(totals.brotliBytes),
    }),
    figure({
      metric: 'chat route JavaScript, uncompressed',
      implementation,
      unit: 'kB',
      samples: kb(totals.rawBytes),
    }),
  ];
}

function coldStartFigures(samples, label, implementation) {
  const pick = (key) => samples.map((s) => s[key]);
  return [
    figure({
      metric: `cold start (${label}): navigation → lock screen`,
      implementation,
      unit: 'ms',
      samples: pick('lockMs'),
    }),
    figure({
      metric: `cold start (${label}): PIN submitted → conversation list`,
      implementation,
      unit: 'ms',
      samples: pick('unlockMs'),
    }),
    figure({
      metric: `cold start (${label}): total (both above)`,
      implementation,
      unit: 'ms',
      samples: pick('totalMs'),
      goal: '< 1500 ms',
    }),
  ];
}

function frameFigures(phase, stats, implementation) {
  const pick = (key) => stats.map((s) => s[key]);
  return [
    figure({
      metric: `${phase}: longest frame`,
      implementation,
      unit: 'ms',
      samples: pick('maxMs'),
      goal: '≤ 50 ms',
    }),
    figure({
      metric: `${phase}: p95 frame (rAF gap)`,
      implementation,
      unit: 'ms',
      samples: pick('p95Ms'),
    }),
    figure({
      metric: `${phase}: rAF gaps over 50 ms`,
      implementation,
      unit: 'frames',
      samples: pick('gapsOver50'),
      goal: '0',
    }),
    figure({
      metric: `${phase}: long animation frames (> 50 ms)`,
      implementation,
      unit: 'frames',
      samples: pick('loafCount'),
      goal: '0',
    }),
  ];
}

export function scriptNotes(totals, notLoaded) {
  const row = (s) =>
    `| ${s.path} | ${(s.rawBytes / KB).toFixed(1)} | ${(s.gzipBytes / KB).toFixed(1)} | ` +
    `${(s.brotliBytes / KB).toFixed(1)} |`;
  const notLoadedGzip = notLoaded.reduce((sum, s) => sum + s.gzipBytes, 0);
  return [
    [
      `Largest scripts of the chat route (${totals.files} files; served with content-encoding ` +
        `${totals.encodings.join(', ')}):`,
      '',
      '| script | raw kB | gzip -9 kB | brotli 11 kB |',
      '|---|---:|---:|---:|',
      ...totals.largest.map(row),
    ].join('\n'),
    `Not loaded by the chat route but cached by the service worker on the first visit: ` +
      `${notLoaded.length} scripts, ${(notLoadedGzip / KB).toFixed(1)} kB gzip -9.`,
  ];
}

/** Every figure of a run, budgets first. */
export function webFigures({
  build,
  count,
  totals,
  reps,
  coldBefore,
  seeding,
  live,
  openSettleMs,
  scrollSteps,
  sendsInFlight,
}) {
  const web = `web app (${build.entry})`;
  const node = 'Node client → server';
  const n = count.toLocaleString('en');
  return [
    ...scriptFigures(totals, web),
    figure({
      metric: `open ${n}-message conversation: click → newest message in view`,
      implementation: web,
      unit: 'ms',
      samples: reps.map((r) => r.openMs),
    }),
    ...frameFigures(
      `open (click → newest in view + ${openSettleMs} ms)`,
      reps.map((r) => r.open),
      web,
    ),
    ...frameFigures(
      `scroll newest → oldest (${scrollSteps} jumps, then to the top until the oldest shows)`,
      reps.map((r) => r.scroll),
      web,
    ),
    figure({
      metric: `scroll newest → oldest: until the oldest message is in view`,
      implementation: web,
      unit: 'ms',
      samples: reps.flatMap((r) =>
        r.scroll.reachedOldestMs === null ? [] : [r.scroll.reachedOldestMs],
      ),
    }),
    ...coldStartFigures(coldBefore, 'store with 1 message', web),
    ...coldStartFigures(
      reps.map((r) => r.coldStart),
      `store with ${n} messages`,
      web,
    ),
    figure({
      metric: `seeding: ${n} texts sent (${sendsInFlight} in flight)`,
      implementation: node,
      unit: 'ms',
      samples: [seeding.sentMs],
    }),
    figure({
      metric: `first start after seeding: PIN submitted → conversation list`,
      implementation: web,
      unit: 'ms',
      samples: [seeding.firstStart.unlockMs],
    }),
    figure({
      metric: `first start after seeding: until the browser stored all ${n} (from opening the page)`,
      implementation: web,
      unit: 'ms',
      samples: [seeding.catchUpMs],
    }),
    ...(live === null
      ? []
      : [
          figure({
            metric: `${live.texts} texts arriving live, list shown, ${n} stored: per text`,
            implementation: web,
            unit: 'ms',
            samples: [live.perTextMs],
          }),
        ]),
  ];
}
