/*
 * One load-client process (forked by workers.js): holds a share of the sessions of a run and
 * does what the parent asks over IPC. One process may open about 20,000 files here, so a run
 * spreads its sessions over several of these. Both ends of every 1:1 pair live in the same
 * process, so a message's latency is measured on one clock (performance.now()). Fan-out
 * receipts are reported in wall-clock milliseconds (performance.timeOrigin + now()), which all
 * processes of this machine share.
 *
 * Commands: init, connect, drop, send, fanout-expect, fanout-send, fanout-collect, memory, close.
 * Every command is answered with `{ id, ...result }` or `{ id, error }`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { assertLoopbackHost } from './loopback.js';
import { WireClient } from './wire-client.js';
import { XmppClient } from './xmpp-client.js';

/** Pre-made "ciphertext": the size of a short MLS-encrypted text message. */
const PAYLOAD_BYTES = 256;
const CIPHERTEXT = randomBytes(PAYLOAD_BYTES);
/** XMPP bodies carry the probe id padded to the same size. */
const XMPP_PAD = ' '.padEnd(PAYLOAD_BYTES - 36, 'x');
const TICK_MS = 2;
const CONNECT_ATTEMPTS = 5;

const wallMs = () => performance.timeOrigin + performance.now();

let target = null;
/** { client, spec } per account; spec: what the account sends to (its peer), or null. */
let sessions = [];

function createClient(account) {
  if (target.kind === 'amtsbote') {
    return new WireClient({
      wsUrl: target.wsUrl,
      account,
      protocolVersion: target.protocolVersion,
    });
  }
  return new XmppClient({
    host: target.host,
    port: target.port,
    domain: target.domain,
    user: account.user,
    password: account.password,
  });
}

function sendProbe(session, probeId) {
  if (target.kind === 'amtsbote') {
    session.client.sendProbe(
      session.account.conversationId,
      session.account.epoch,
      probeId,
      CIPHERTEXT,
    );
  } else {
    session.client.sendProbe(session.account.peerJid, `${probeId}${XMPP_PAD}`);
  }
}

const probeIdOf = (received) => (target.kind === 'amtsbote' ? received : received.slice(0, 36));

/** Connects the sessions that are not connected, `concurrency` at a time. */
async function connect({ concurrency, share = 1 }) {
  const startedMs = performance.now();
  // `share` < 1: only that part of this process's sessions is connected (the rest later).
  const wanted = sessions.slice(0, Math.round(sessions.length * share));
  const pending = wanted.filter((s) => !s.client.isConnected);
  const doneAtMs = [];
  let failed = 0;
  let retries = 0;
  let firstError = null;
  let next = 0;
  const runOne = async () => {
    while (next < pending.length) {
      const session = pending[next];
      next += 1;
      // As a real client does: a refused or reset connect is tried again after a random pause.
      for (let attempt = 1; ; attempt += 1) {
        session.client = createClient(session.account);
        try {
          await session.client.connect();
          doneAtMs.push(performance.now() - startedMs);
          break;
        } catch (error) {
          firstError ??= error.message;
          if (attempt === CONNECT_ATTEMPTS) {
            failed += 1;
            break;
          }
          retries += 1;
          await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, runOne));
  return {
    connected: doneAtMs.length,
    failed,
    retries,
    firstError,
    elapsedMs: performance.now() - startedMs,
    doneAtMs,
  };
}

async function drop() {
  for (const session of sessions) session.client.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { dropped: sessions.length };
}

/**
 * Open loop: `rate` messages per second from the senders in turn for `durationMs`, whatever
 * the answers; then waits up to `drainMs` for what is still under way.
 */
async function send({ rate, durationMs, drainMs }) {
  const senders = sessions.filter((s) => s.account.isSender);
  const sentAt = new Map();
  const latencies = [];
  const storedLatencies = [];
  let stored = 0;
  let refused = 0;
  const refusals = {};
  // A probe is forgotten once it was delivered and (Amtsbote) its sender was told it is stored.
  const settle = (id, probe) => {
    if (probe.isDelivered && (probe.isStored || target.kind !== 'amtsbote')) sentAt.delete(id);
  };
  for (const session of sessions) {
    session.client.onProbe = (received) => {
      const id = probeIdOf(received);
      const probe = sentAt.get(id);
      if (probe === undefined || probe.isDelivered) return;
      probe.isDelivered = true;
      latencies.push(performance.now() - probe.at);
      settle(id, probe);
    };
    session.client.onStored = (id) => {
      stored += 1;
      const probe = sentAt.get(id);
      if (probe === undefined || probe.isStored) return;
      probe.isStored = true;
      storedLatencies.push(performance.now() - probe.at);
      settle(id, probe);
    };
    session.client.onRefused = (code) => {
      refused += 1;
      refusals[code] = (refusals[code] ?? 0) + 1;
    };
  }
  let sent = 0;
  let turn = 0;
  const startedMs = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - startedMs;
      const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000) - sent;
      for (let i = 0; i < due; i += 1) {
        const session = senders[turn % senders.length];
        turn += 1;
        if (!session.client.isConnected) continue;
        const id = randomUUID();
        sentAt.set(id, { at: performance.now(), isDelivered: false, isStored: false });
        sendProbe(session, id);
        sent += 1;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const sendSeconds = (performance.now() - startedMs) / 1000;
  const drainUntil = performance.now() + drainMs;
  while (sentAt.size > 0 && performance.now() < drainUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    sent,
    delivered: latencies.length,
    stored,
    refused,
    refusals,
    lost: [...sentAt.values()].filter((p) => !p.isDelivered).length,
    sendSeconds,
    latencies,
    storedLatencies,
  };
}

/** Fan-out: every session notes when the probe arrives (wall clock). */
let fanout = null;
function fanoutExpect({ probeId }) {
  fanout = { probeId, arrivals: [] };
  for (const session of sessions) {
    session.client.onProbe = (received) => {
      if (probeIdOf(received) === fanout?.probeId) fanout.arrivals.push(wallMs());
    };
  }
  return { listening: sessions.length };
}

function fanoutSend({ probeId }) {
  const sender = sessions.find((s) => s.account.isSender);
  const at = wallMs();
  sendProbe(sender, probeId);
  return { sentAtWallMs: at };
}

async function fanoutCollect({ expected, waitMs }) {
  const until = performance.now() + waitMs;
  while ((fanout?.arrivals.length ?? 0) < expected && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { arrivals: fanout?.arrivals ?? [] };
}

async function closeAll() {
  await Promise.all(sessions.map((s) => s.client.close()));
  return { closed: sessions.length };
}

const COMMANDS = {
  init: ({ target: t, accounts }) => {
    assertLoopbackHost(t.kind === 'amtsbote' ? new URL(t.wsUrl).hostname : t.host);
    target = t;
    sessions = accounts.map((account) => ({ account, client: createClient(account) }));
    return { sessions: sessions.length };
  },
  connect,
  drop,
  send,
  'fanout-expect': fanoutExpect,
  'fanout-send': fanoutSend,
  'fanout-collect': fanoutCollect,
  memory: () => ({ rssBytes: process.memoryUsage.rss() }),
  close: closeAll,
};

process.on('message', async ({ id, command, args }) => {
  try {
    const result = await COMMANDS[command](args ?? {});
    process.send({ id, ...result });
  } catch (error) {
    process.send({ id, error: error?.stack ?? String(error) });
  }
});

// The parent's end is this process's end: it never outlives the run.
process.on('disconnect', () => process.exit(0));
