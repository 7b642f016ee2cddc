/*
 * Scenario `calls`: forwarded video streams per core at 1.5 Mbit/s, and the time from join to
 * the first keyframe, for our SFU (the BUILT werift worker pool, one worker) and, side by side,
 * raw werift forwarding in a process of its own (bench/calls/raw-relay.js). One publisher,
 * N subscribers (`--count`, default 30 when not given), each a werift peer in one of several
 * load processes (`--workers`, default 2). The CPU share of the forwarding process comes from
 * /proc over `--duration` seconds (default 20); streams per core = N / CPU share, reported with
 * the loss seen by the subscribers. Loopback only; every process started here is ended by pid.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { cpuSecondsOf } from '../load/linux-processes.js';
import { stopProcess } from '../processes.js';
import { figure, median, ratio } from '../stats.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SFU_DIST = join(ROOT, 'apps/server/dist/calls/sfu');
const DEFAULT_COUNT = 2000; // run.js's default --count, meaning "not given" here
const DEFAULT_STREAMS = 30;
const REQUEST_TIMEOUT_MS = 30_000;
const FIRST_FRAME_TIMEOUT_MS = 30_000;
const WARM_UP_MS = 2000;
/**
 * Subscribers join in batches with a pause between them: 100+ simultaneous ICE/DTLS setups on two
 * shared cores fail for raw werift and ours alike (connections never connected, sometimes the
 * publisher's too), which would measure the join storm instead of the forwarding.
 */
const JOIN_BATCH = 20;
const JOIN_BATCH_PAUSE_MS = 1000;

/** A forked helper answering {id, op, args} requests. */
function helper(path) {
  const child = fork(path, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let nextId = 0;
  const pending = new Map();
  child.on('message', ({ id, result, error }) => {
    const entry = pending.get(id);
    if (entry === undefined) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    if (error === undefined) entry.resolve(result);
    else entry.reject(new Error(error));
  });
  child.on('exit', () => {
    for (const entry of pending.values()) entry.reject(new Error(`${path} ended`));
  });
  return {
    child,
    call(op, ...args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${op} timed out`)), REQUEST_TIMEOUT_MS);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, op, args });
      });
    },
    async stop() {
      await this.call('close').catch(() => undefined);
      await stopProcess(child);
    },
  };
}

const silentLogger = { info() {}, warn() {}, error() {} };

/** Our SFU: the pool with one worker; returns the forwarding process's pid and the signalling. */
async function ourSfu() {
  const { WorkerPool } = await import(join(SFU_DIST, 'pool/worker-pool.js'));
  const pool = await WorkerPool.start({
    workerEntryPath: join(SFU_DIST, 'werift/worker-entry.js'),
    workerCount: 1,
    ice: { iceServers: [], portRange: null, allowPrivateAddresses: true, isLoopbackOnly: true },
    logger: silentLogger,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const room = 'bench';
  await pool.createRoom(room);
  const offers = new Map();
  pool.onEvent((event) => {
    if (event.type === 'subscriber_offer') offers.get(event.participantId)?.(event.offerSdp);
  });
  return {
    pid: pool.workerPids[0],
    async publish(offerSdp) {
      await pool.join(room, 'publisher');
      const { answerSdp } = await pool.publish({
        roomId: room,
        participantId: 'publisher',
        offerSdp,
        layers: [],
      });
      return answerSdp;
    },
    async subscribe(id, answerWith) {
      const offered = new Promise((resolve) => offers.set(id, resolve));
      await pool.join(room, id);
      const answerSdp = await answerWith(await offered);
      await pool.answerSubscription(room, id, answerSdp);
    },
    close: () => pool.close(),
  };
}

/** Raw werift forwarding in its own process. */
function rawRelay() {
  const relay = helper(join(import.meta.dirname, 'raw-relay.js'));
  return {
    pid: relay.child.pid,
    publish: (offerSdp) => relay.call('publish', offerSdp),
    async subscribe(id, answerWith) {
      const offerSdp = await relay.call('subscribe', id);
      await relay.call('answer', id, await answerWith(offerSdp));
    },
    close: () => relay.stop(),
  };
}

/**
 * One run: a publisher and `streams` subscribers on `implementation` ('amtsbote' or 'raw
 * werift'), measured for `durationSeconds` once every subscriber has its first keyframe (or
 * FIRST_FRAME_TIMEOUT_MS passed).
 */
export async function measure(implementation, streams, loadProcesses, durationSeconds) {
  const sfu = implementation === 'amtsbote' ? await ourSfu() : rawRelay();
  const loads = Array.from({ length: loadProcesses }, () =>
    helper(join(import.meta.dirname, 'peers.js')),
  );
  try {
    const [publisherLoad] = loads;
    const answerSdp = await sfu.publish(await publisherLoad.call('publish', 'publisher'));
    await publisherLoad.call('startSending', 'publisher', answerSdp);
    const joinedAtMs = new Map();
    for (let first = 0; first < streams; first += JOIN_BATCH) {
      if (first > 0) await new Promise((resolve) => setTimeout(resolve, JOIN_BATCH_PAUSE_MS));
      await Promise.all(
        Array.from({ length: Math.min(JOIN_BATCH, streams - first) }, async (_, offset) => {
          const index = first + offset;
          const id = `subscriber-${index}`;
          const load = loads[index % loads.length];
          joinedAtMs.set(id, Date.now());
          await sfu.subscribe(id, (offerSdp) => load.call('answer', id, offerSdp));
        }),
      );
    }
    const snapshot = async () => {
      const all = await Promise.all(loads.map((load) => load.call('counts')));
      return {
        sent: all.reduce((sum, c) => sum + c.sent, 0),
        plis: all.reduce((sum, c) => sum + c.plis, 0),
        received: Object.assign({}, ...all.map((c) => c.received)),
        firstKeyframeAtMs: Object.assign({}, ...all.map((c) => c.firstKeyframeAtMs)),
        connectionStates: Object.assign({}, ...all.map((c) => c.connectionStates)),
      };
    };
    const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
    let counts = await snapshot();
    while (
      Object.values(counts.firstKeyframeAtMs).some((at) => at === null) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      counts = await snapshot();
    }
    const firstFrameMs = [...joinedAtMs].map(
      ([id, at]) => (counts.firstKeyframeAtMs[id] ?? Number.NaN) - at,
    );
    const waiting = [...joinedAtMs.keys()].filter(
      (id) => typeof counts.firstKeyframeAtMs[id] !== 'number',
    );
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const before = await snapshot();
    const cpuBefore = cpuSecondsOf(sfu.pid);
    const startMs = Date.now();
    await new Promise((resolve) => setTimeout(resolve, durationSeconds * 1000));
    const cpuAfter = cpuSecondsOf(sfu.pid);
    const elapsedS = (Date.now() - startMs) / 1000;
    const after = await snapshot();
    const sent = after.sent - before.sent;
    const received = Object.keys(after.received).reduce(
      (sum, id) => sum + after.received[id] - (before.received[id] ?? 0),
      0,
    );
    const cpuShare = (cpuAfter - cpuBefore) / elapsedS;
    return {
      streamsPerCore: streams / cpuShare,
      cpuShare,
      lossPercent: Math.max(0, 100 * (1 - received / (sent * streams))),
      firstFrameMs: median(firstFrameMs.filter(Number.isFinite)),
      missingFirstFrames: waiting.length,
      /** Of those without a first keyframe: how many never connected (ICE/DTLS, not forwarding). */
      notConnected: waiting.filter((id) => counts.connectionStates[id] !== 'connected').length,
      /** Keyframe requests that reached the publisher during setup and measurement. */
      plisAtPublisher: after.plis,
    };
  } finally {
    await Promise.allSettled(loads.map((load) => load.stop()));
    await sfu.close();
  }
}

export async function calls(options, deadline) {
  const streams = options.count === DEFAULT_COUNT ? DEFAULT_STREAMS : options.count;
  const loadProcesses = options.workers ?? 2;
  const samples = { amtsbote: [], 'raw werift': [] };
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    deadline.check(`repetition ${repetition + 1}`);
    for (const implementation of Object.keys(samples)) {
      samples[implementation].push(
        await measure(implementation, streams, loadProcesses, options.duration),
      );
    }
  }
  const pick = (implementation, key) => samples[implementation].map((sample) => sample[key]);
  const figures = [];
  for (const implementation of Object.keys(samples)) {
    if (samples[implementation].length === 0) continue;
    figures.push(
      figure({
        metric: 'forwarded 1.5 Mbit/s streams per core',
        implementation,
        unit: 'streams',
        samples: pick(implementation, 'streamsPerCore'),
        goal: implementation === 'amtsbote' ? '≥ 500 (mediasoup)' : null,
      }),
      figure({
        metric: 'CPU of the forwarding process',
        implementation,
        unit: '% of a core',
        samples: pick(implementation, 'cpuShare').map((share) => 100 * share),
      }),
      figure({
        metric: 'loss at the subscribers',
        implementation,
        unit: '%',
        samples: pick(implementation, 'lossPercent'),
      }),
      figure({
        metric: 'join to first keyframe',
        implementation,
        unit: 'ms',
        samples: pick(implementation, 'firstFrameMs'),
      }),
    );
  }
  const ours = figures.find((f) => f.implementation === 'amtsbote');
  const raw = figures.find((f) => f.implementation === 'raw werift');
  return {
    parameters: `${streams} subscribers of one 1.5 Mbit/s publisher (joining ${JOIN_BATCH} at a time), ${loadProcesses} load processes, ${options.duration} s measured`,
    figures,
    ratios: { 'streams per core': ours && raw ? ratio(ours, raw) : null },
    ratioOf: { subject: 'amtsbote SFU', peer: 'raw werift' },
    notes: [
      'CPU share from /proc/<pid>/stat of the one forwarding process; streams per core = subscribers / CPU share.',
      ...Object.entries(samples).map(
        ([implementation, runs]) =>
          `${implementation}: subscribers without a first keyframe within ${FIRST_FRAME_TIMEOUT_MS / 1000} s, per run: ${runs
            .map((run) => `${run.missingFirstFrames} (${run.notConnected} never connected)`)
            .join(
              ', ',
            )}; PLIs at the publisher per run: ${runs.map((run) => run.plisAtPublisher).join(', ')}.`,
      ),
      'The publisher sends keyframes only when asked (PLI), as browsers do.',
    ],
  };
}
