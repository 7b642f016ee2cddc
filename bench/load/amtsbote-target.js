/*
 * Amtsbote as the target of a load run: the BUILT server in a child process on loopback, with
 * embedded PGlite in a temporary data directory or a fresh PostgreSQL database (made for the
 * run, dropped after it). Accounts are seeded (seed.js); the conversations are made over the
 * real HTTP API with opaque bytes where MLS objects go (the server never parses them): each pair
 * of accounts gets a direct conversation, created by the first and joined by the second through
 * a commit that routes its device; a fan-out run adds one channel whose owner posts to all.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@amtsbote/protocol';
import { onCleanup } from './cleanup.js';
import { cpuSecondsOf, rssBytesOf } from './linux-processes.js';
import { progress } from './progress.js';
import { seedAccounts } from './seed.js';
import { freshDatabase, startServer, stopProcess } from '../processes.js';

const XWING = 0x0053;
const HTTP_CONCURRENCY = 16;
/** The API's largest member and device lists per request. */
const LIST_LIMIT = 2000;
const DEFAULT_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

const opaque = (bytes) => randomBytes(bytes).toString('base64url');

async function api(baseUrl, token, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function inParallel(items, concurrency, body) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await body(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
}

/** A direct conversation per pair (2k, 2k + 1); both send to it at epoch 1. */
async function makePairs(baseUrl, accounts) {
  const pairs = [];
  for (let i = 0; i + 1 < accounts.length; i += 2) pairs.push([accounts[i], accounts[i + 1]]);
  await inParallel(pairs, HTTP_CONCURRENCY, async ([a, b]) => {
    const conversationId = randomUUID();
    await api(baseUrl, a.token, '/api/conversations', {
      conversationId,
      kind: 'direct',
      ciphersuite: XWING,
      memberUserIds: [b.userId],
    });
    await api(baseUrl, a.token, `/api/conversations/${conversationId}/commits`, {
      epoch: 0,
      commit: opaque(600),
      addedDeviceIds: [b.deviceId],
      welcome: opaque(1200),
    });
    for (const account of [a, b]) {
      Object.assign(account, { conversationId, epoch: 1, isSender: true });
    }
  });
}

/** One channel: `owner` posts, `members` receive; returns the channel's epoch after joining. */
async function makeChannel(baseUrl, owner, members) {
  const conversationId = randomUUID();
  const batches = [];
  for (let i = 0; i < members.length; i += LIST_LIMIT) {
    batches.push(members.slice(i, i + LIST_LIMIT));
  }
  await api(baseUrl, owner.token, '/api/conversations', {
    conversationId,
    kind: 'channel',
    ciphersuite: XWING,
    memberUserIds: (batches[0] ?? []).map((m) => m.userId),
  });
  for (const batch of batches.slice(1)) {
    await api(baseUrl, owner.token, `/api/conversations/${conversationId}/members`, {
      add: batch.map((m) => ({ userId: m.userId, role: 'member' })),
      remove: [],
    });
  }
  let epoch = 0;
  for (const batch of batches) {
    await api(baseUrl, owner.token, `/api/conversations/${conversationId}/commits`, {
      epoch,
      commit: opaque(600),
      addedDeviceIds: batch.map((m) => m.deviceId),
      welcome: opaque(1200),
    });
    epoch += 1;
  }
  Object.assign(owner, { conversationId, epoch, isSender: true });
  for (const member of members) Object.assign(member, { conversationId, epoch, isSender: false });
}

/**
 * Extra node options for the server, e.g. AMTSBOTE_BENCH_SERVER_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/profiles" to see where its time goes (written when it stops).
 */
function serverNodeArgs() {
  const args = process.env.AMTSBOTE_BENCH_SERVER_NODE_ARGS;
  return args === undefined ? [] : args.split(' ').filter((a) => a !== '');
}

/**
 * Starts the server with `count` seeded accounts made into `shape`: 'pairs' (direct
 * conversations) or 'channel' (the first account owns a channel with all others as members)
 * or 'none'. `backend`: 'pglite' or 'postgres'.
 */
export async function startAmtsbote({ backend, count, shape }) {
  const dataDir = await mkdtemp(join(tmpdir(), 'amtsbote-load-'));
  let database = null;
  let child = null;
  const stop = async () => {
    if (child !== null) await stopProcess(child);
    child = null;
    await database?.drop();
    database = null;
    await rm(dataDir, { recursive: true, force: true });
  };
  const forget = onCleanup(stop);
  try {
    if (backend === 'postgres') {
      database = await freshDatabase(
        process.env.AMTSBOTE_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
      );
    }
    const storage =
      database === null ? { kind: 'pglite', dataDir } : { kind: 'postgres', url: database.url };
    progress(`seeding ${count} accounts (${backend})`);
    const { organizationId, accounts } = await seedAccounts(storage, count);
    const launch = async () => {
      const started = await startServer({
        dataDir,
        databaseUrl: database?.url ?? null,
        // The harness is one client address playing thousands of users.
        env: { AMTSBOTE_RATE_LIMIT_PER_MINUTE: '1000000' },
        nodeArgs: serverNodeArgs(),
        pattern: /Amtsbote is running at/,
      });
      child = started.child;
      progress(`Amtsbote server started, pid ${child.pid}, port ${started.port}`);
      return `http://127.0.0.1:${started.port}`;
    };
    let baseUrl = await launch();
    progress(`making the ${shape === 'channel' ? 'channel' : 'conversations'} over HTTP`);
    if (shape === 'pairs') await makePairs(baseUrl, accounts);
    if (shape === 'channel') await makeChannel(baseUrl, accounts[0], accounts.slice(1));
    if (shape !== 'none') {
      // The server analyzes its tables when it starts; a server that has run for a while has
      // statistics of the conversations it serves, so the measured one starts after they exist.
      progress('restarting the server, which analyzes the tables as they are now');
      await stopProcess(child);
      child = null;
      baseUrl = await launch();
    }
    const pid = child.pid;
    return {
      name: 'Amtsbote',
      backend: database === null ? 'PGlite' : 'PostgreSQL',
      client: {
        kind: 'amtsbote',
        wsUrl: `${baseUrl.replace(/^http/, 'ws')}/api/ws`,
        protocolVersion: PROTOCOL_VERSION,
      },
      organizationId,
      accounts,
      pid,
      rssBytes: () => rssBytesOf(pid),
      cpuSeconds: () => cpuSecondsOf(pid),
      metricsText: async () => (await fetch(`${baseUrl}/metrics`)).text(),
      stop: async () => {
        forget();
        await stop();
      },
    };
  } catch (error) {
    forget();
    await stop();
    throw error;
  }
}
