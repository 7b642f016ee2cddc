/*
 * The load scenarios (`npm run bench -- sessions|storm|direct|fanout`): the real server over
 * its real protocol, driven by load-client processes on the same machine, bounded in sessions
 * and time, on loopback only; Amtsbote on each chosen storage backend and, where ejabberd is
 * installed, ejabberd side by side in the same run. Every repetition starts a fresh server.
 * Light mode: the clients send pre-made ciphertext (the server never parses MLS), so the figures
 * are the server's; the full-MLS figures are the mls-* scenarios.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from '../stats.js';
import { startAmtsbote } from './amtsbote-target.js';
import { isEjabberdInstalled, startEjabberdTarget } from './ejabberd-target.js';
import { latencySummary, round, sampleEventLoopLag } from './measures.js';
import { progress } from './progress.js';
import { startWorkers } from './workers.js';

const SETTLE_MS = 3000;
const MEMORY_SETTLE_MS = 5000;
/** Connections each load process opens at the same time while filling up. */
const CONNECT_CONCURRENCY = 100;
/** During a storm every client reconnects at once; this many per process are under way. */
const STORM_CONCURRENCY = 1000;
const DRAIN_MS = 10_000;
const KiB = 1024;

/** The targets of a run: Amtsbote per backend, then ejabberd if wanted and installed. */
export function targetsOf(options, { hasPeer }) {
  const targets = options.backends.map((backend) => ({ name: 'amtsbote', backend }));
  const notes = [];
  if (hasPeer && options.peer !== 'none') {
    if (isEjabberdInstalled()) targets.push({ name: 'ejabberd', backend: null });
    else {
      notes.push(
        'ejabberd is not installed, so it was not measured: ' +
          'apt-get install -y --no-install-recommends ejabberd',
      );
    }
  }
  return { targets, notes };
}

function workerCount(options, count) {
  return options.workers ?? Math.max(2, Math.ceil(count / 5000));
}

async function withRun(target, options, { count, shape }, body) {
  const server =
    target.name === 'amtsbote'
      ? await startAmtsbote({ backend: target.backend, count, shape })
      : await startEjabberdTarget({ count, shape });
  let pool = null;
  try {
    pool = await startWorkers({
      count: workerCount(options, count),
      target: server.client,
      accounts: server.accounts,
    });
    return await body(server, pool);
  } finally {
    await pool?.all('close').catch(() => undefined);
    await pool?.stop();
    await server.stop();
  }
}

const implementationOf = (server) =>
  server.name === 'Amtsbote' ? `Amtsbote (${server.backend})` : server.name;

async function connectAll(pool, concurrency, share = 1) {
  const results = await pool.all('connect', { concurrency, share });
  const connected = results.reduce((sum, r) => sum + r.connected, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  const retries = results.reduce((sum, r) => sum + r.retries, 0);
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const doneAtMs = results.flatMap((r) => r.doneAtMs);
  const firstError = results.find((r) => r.firstError !== null)?.firstError ?? null;
  return { connected, failed, retries, elapsedMs, doneAtMs, firstError };
}

function checkConnected(result, count, what) {
  if (result.connected !== count) {
    throw new Error(
      `${what}: ${result.connected} of ${count} sessions connected` +
        (result.firstError === null ? '' : ` (first error: ${result.firstError})`),
    );
  }
}

async function clientRss(pool) {
  const readings = await pool.all('memory');
  return readings.reduce((sum, r) => sum + r.rssBytes, 0);
}

/**
 * sessions: holds N authenticated sessions; memory per session and connects per second. The
 * memory is the marginal cost: the server's resident memory with all N sessions minus that with
 * half of them, over N / 2, both after a settling pause, so that garbage of the setup and the
 * heap's growth steps before the first session do not count as sessions.
 */
async function sessionsOnce(target, options, deadline) {
  const count = options.count;
  return withRun(target, options, { count, shape: 'none' }, async (server, pool) => {
    deadline.check('sessions setup');
    const lag = server.metricsText === null ? null : await sampleEventLoopLag(server.metricsText);
    const firstHalf = await connectAll(pool, CONNECT_CONCURRENCY, 0.5);
    await sleep(MEMORY_SETTLE_MS);
    const half = await server.rssBytes();
    const secondHalf = await connectAll(pool, CONNECT_CONCURRENCY);
    await sleep(MEMORY_SETTLE_MS);
    const held = await server.rssBytes();
    const lagFigures = (await lag?.stop()) ?? null;
    checkConnected(
      { ...secondHalf, connected: firstHalf.connected + secondHalf.connected },
      count,
      'sessions',
    );
    return {
      implementation: implementationOf(server),
      sessions: firstHalf.connected + secondHalf.connected,
      bytesPerSession: (held - half) / secondHalf.connected,
      serverRssMiB: held / (KiB * KiB),
      connectsPerSecond:
        ((firstHalf.connected + secondHalf.connected) /
          (firstHalf.elapsedMs + secondHalf.elapsedMs)) *
        1000,
      maxLagMs: lagFigures?.maxMs ?? null,
      clientRssMiB: (await clientRss(pool)) / (KiB * KiB),
    };
  });
}

/** storm: N sessions drop at once and all reconnect at once. */
async function stormOnce(target, options, deadline) {
  const count = options.count;
  return withRun(target, options, { count, shape: 'none' }, async (server, pool) => {
    checkConnected(await connectAll(pool, CONNECT_CONCURRENCY), count, 'storm fill');
    deadline.check('storm setup');
    await sleep(SETTLE_MS);
    await pool.all('drop');
    await sleep(SETTLE_MS);
    const lag = server.metricsText === null ? null : await sampleEventLoopLag(server.metricsText);
    const storm = await connectAll(pool, STORM_CONCURRENCY);
    const lagFigures = (await lag?.stop()) ?? null;
    checkConnected(storm, count, 'storm');
    return {
      implementation: implementationOf(server),
      sessions: storm.connected,
      secondsToAll: storm.elapsedMs / 1000,
      sessionsPerSecond: (count / storm.elapsedMs) * 1000,
      within10s: storm.doneAtMs.filter((ms) => ms <= 10_000).length,
      retries: storm.retries,
      maxLagMs: lagFigures?.maxMs ?? null,
    };
  });
}

/**
 * direct: 1:1 messages between online pairs at fixed rates (open loop), rising, on one server
 * (a pause between rates lets what is under way settle). Returns one row per rate.
 */
async function directOnce(target, options, deadline) {
  const count = options.count;
  return withRun(target, options, { count, shape: 'pairs' }, async (server, pool) => {
    checkConnected(await connectAll(pool, CONNECT_CONCURRENCY), count, 'direct fill');
    const rows = [];
    for (const rate of options.rates) {
      deadline.check(`direct at ${rate}/s`);
      progress(`${server.name}: ${rate} messages/s for ${options.duration} s`);
      const row = await directRate(server, pool, options, rate);
      rows.push(row);
      // Past saturation the backlog carries into the next rate, whose figures would be the
      // backlog's: the ramp ends at the first rate that lost messages.
      if (row.lost > 0) break;
      await sleep(SETTLE_MS);
    }
    return rows;
  });
}

async function directRate(server, pool, options, rate) {
  const share = rate / pool.workers.length;
  // Warm-up, not counted: caches, JIT and connection pools reach their working state.
  await pool.all('send', { rate: share, durationMs: 3000, drainMs: 2000 });
  const lag = server.metricsText === null ? null : await sampleEventLoopLag(server.metricsText);
  const cpuBefore = server.cpuSeconds();
  const startedMs = performance.now();
  const results = await pool.all('send', {
    rate: share,
    durationMs: options.duration * 1000,
    drainMs: DRAIN_MS,
  });
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  const elapsedSeconds = (performance.now() - startedMs) / 1000;
  const lagFigures = (await lag?.stop()) ?? null;
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  const delivered = latencySummary(results.flatMap((r) => r.latencies));
  const stored = latencySummary(results.flatMap((r) => r.storedLatencies));
  const refusals = {};
  for (const r of results) {
    for (const [code, n] of Object.entries(r.refusals)) refusals[code] = (refusals[code] ?? 0) + n;
  }
  return {
    implementation: implementationOf(server),
    rate,
    sent: sum('sent'),
    achievedRate: sum('sent') / Math.max(...results.map((r) => r.sendSeconds)),
    delivered: delivered.count,
    lost: sum('lost'),
    refused: sum('refused'),
    refusals,
    p50Ms: delivered.p50,
    p95Ms: delivered.p95,
    p99Ms: delivered.p99,
    maxMs: delivered.max,
    storedP99Ms: server.name === 'Amtsbote' ? stored.p99 : null,
    serverCpuPercent: (cpuSeconds / elapsedSeconds) * 100,
    maxLagMs: lagFigures?.maxMs ?? null,
  };
}

/** fanout: one post to a channel whose N members are all online; time to the last one. */
async function fanoutOnce(target, options, deadline) {
  const members = options.count;
  return withRun(
    target,
    options,
    { count: members + 1, shape: 'channel' },
    async (server, pool) => {
      checkConnected(await connectAll(pool, CONNECT_CONCURRENCY), members + 1, 'fanout fill');
      deadline.check('fanout setup');
      const lag = await sampleEventLoopLag(server.metricsText);
      const posts = [];
      for (let post = 0; post < options.posts; post += 1) {
        await sleep(1000);
        const probeId = crypto.randomUUID();
        await pool.all('fanout-expect', { probeId });
        // The owner is account 0, in the first process.
        const { sentAtWallMs } = await pool.workers[0].request('fanout-send', { probeId });
        const perWorker = Math.ceil((members + 1) / pool.workers.length / 2) * 2;
        const collected = await Promise.all(
          pool.workers.map((worker, index) => {
            const held = Math.min(perWorker, members + 1 - index * perWorker);
            return worker.request('fanout-collect', {
              expected: index === 0 ? held - 1 : held,
              waitMs: 30_000,
            });
          }),
        );
        const delays = collected.flatMap((c) => c.arrivals.map((at) => at - sentAtWallMs));
        const summary = latencySummary(delays);
        posts.push({
          received: summary.count,
          p50: summary.p50,
          p99: summary.p99,
          last: summary.max,
        });
      }
      const lagFigures = await lag.stop();
      return {
        implementation: implementationOf(server),
        members,
        posts: posts.length,
        received: median(posts.map((p) => p.received)),
        p50Ms: median(posts.map((p) => p.p50)),
        p99Ms: median(posts.map((p) => p.p99)),
        lastMs: median(posts.map((p) => p.last)),
        maxLagMs: lagFigures.maxMs,
      };
    },
  );
}

/** Runs `once` `repetitions` times per target and keeps the median of every number. */
async function repeated(targets, options, deadline, once) {
  const rows = [];
  for (const target of targets) {
    const runs = [];
    for (let r = 0; r < options.repetitions; r += 1) {
      deadline.check(`${target.name} repetition ${r + 1}`);
      runs.push(await once(target));
    }
    rows.push(medianRow(runs));
  }
  return rows;
}

function medianRow(runs) {
  const row = { ...runs[0], repetitions: runs.length };
  for (const [key, value] of Object.entries(runs[0])) {
    if (typeof value === 'number') {
      const values = runs.map((run) => run[key]).filter((v) => v !== null);
      row[key] = values.length === 0 ? null : median(values);
    }
  }
  return row;
}

export async function sessions(options, deadline) {
  const { targets, notes } = targetsOf(options, { hasPeer: true });
  const rows = await repeated(targets, options, deadline, (t) =>
    sessionsOnce(t, options, deadline),
  );
  return { rows, notes };
}

export async function storm(options, deadline) {
  const { targets, notes } = targetsOf(options, { hasPeer: true });
  const rows = await repeated(targets, options, deadline, (t) => stormOnce(t, options, deadline));
  return { rows, notes };
}

export async function direct(options, deadline) {
  const { targets, notes } = targetsOf(options, { hasPeer: true });
  const rows = [];
  for (const target of targets) {
    const runs = [];
    for (let r = 0; r < options.repetitions; r += 1) {
      deadline.check(`${target.name} repetition ${r + 1}`);
      runs.push(await directOnce(target, options, deadline));
    }
    const reached = Math.min(...runs.map((run) => run.length));
    for (let i = 0; i < reached; i += 1) rows.push(medianRow(runs.map((run) => run[i])));
  }
  rows.sort((a, b) => a.rate - b.rate);
  return { rows, notes };
}

export async function fanout(options, deadline) {
  const { targets, notes } = targetsOf(options, { hasPeer: false });
  const rows = await repeated(targets, options, deadline, (t) => fanoutOnce(t, options, deadline));
  return { rows, notes };
}

export { round };
