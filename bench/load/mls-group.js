/*
 * mls (full mode): real MLS clients of packages/client (MessagingClient, X-Wing ciphersuite,
 * memory stores) in a group on the real server, over its HTTP API and WebSocket. Every member
 * sends `--count` texts at once; measured is the time until every member has decrypted every
 * other member's texts: texts sent per second, decryptions per second, and the latency from a
 * send to each member's decryption. The clients share this process and its cores with the
 * server, so the figure is end-to-end throughput on one machine, crypto included.
 */
import { HttpApi, MemoryStore, MessagingClient } from '@amtsbote/client';
import { WebSocket } from 'ws';
import { median } from '../stats.js';
import { startAmtsbote } from './amtsbote-target.js';
import { latencySummary } from './measures.js';
import { progress } from './progress.js';

const WAIT_MS = 300_000;

function waitFor(check, what) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (performance.now() - started > WAIT_MS) {
        clearInterval(timer);
        reject(new Error(`${what}: not within ${WAIT_MS / 1000} s`));
      }
    }, 5);
  });
}

async function groupRound(server, options) {
  const baseUrl = server.client.wsUrl.replace(/^ws/, 'http').replace(/\/api\/ws$/, '');
  const clients = [];
  for (const account of server.accounts) {
    const client = await MessagingClient.bootstrap({
      http: new HttpApi({ baseUrl, token: account.token }),
      session: {
        organizationId: server.organizationId,
        userId: account.userId,
        deviceId: account.deviceId,
      },
      store: new MemoryStore(),
      wsUrl: server.client.wsUrl,
      WebSocket,
    });
    await client.start();
    clients.push(client);
  }
  const joined = new Set();
  const received = clients.map(() => 0);
  const sentAt = new Map();
  const latencies = [];
  const unsubscribe = clients.map((client, index) =>
    client.subscribe((event) => {
      if (event.type === 'conversation_joined') joined.add(index);
      if (event.type === 'message' && !event.isOwn) {
        received[index] += 1;
        const at = sentAt.get(event.content.text);
        if (at !== undefined) latencies.push(performance.now() - at);
      }
    }),
  );
  try {
    progress(`${clients.length} MLS clients ready; the first creates the group`);
    const { conversationId } = await clients[0].createConversation({
      kind: 'group',
      memberUserIds: server.accounts.slice(1).map((a) => a.userId),
    });
    await waitFor(() => joined.size === clients.length - 1, 'every member joined');
    const expected = (clients.length - 1) * options.count;
    const startedMs = performance.now();
    await Promise.all(
      clients.map(async (client, index) => {
        for (let n = 0; n < options.count; n += 1) {
          const text = `text ${index}/${n}`;
          sentAt.set(text, performance.now());
          await client.sendText(conversationId, text);
        }
      }),
    );
    await waitFor(() => received.every((r) => r >= expected), 'every text decrypted');
    const seconds = (performance.now() - startedMs) / 1000;
    const summary = latencySummary(latencies);
    return {
      textsPerSecond: (clients.length * options.count) / seconds,
      decryptionsPerSecond: (clients.length * expected) / seconds,
      p50Ms: summary.p50,
      p99Ms: summary.p99,
      seconds,
    };
  } finally {
    for (const stop of unsubscribe) stop();
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** `npm run bench -- mls --members M --count N`: the full-MLS group messaging figures. */
export async function mlsGroup(options, deadline) {
  const rows = [];
  for (const backend of options.backends) {
    const runs = [];
    for (let r = 0; r < options.repetitions; r += 1) {
      deadline.check(`mls repetition ${r + 1}`);
      const server = await startAmtsbote({ backend, count: options.members, shape: 'none' });
      try {
        runs.push(await groupRound(server, options));
      } finally {
        await server.stop();
      }
    }
    const pick = (key) => median(runs.map((run) => run[key]));
    rows.push({
      implementation: `Amtsbote (${backend === 'pglite' ? 'PGlite' : 'PostgreSQL'})`,
      members: options.members,
      textsPerSecond: pick('textsPerSecond'),
      decryptionsPerSecond: pick('decryptionsPerSecond'),
      p50Ms: pick('p50Ms'),
      p99Ms: pick('p99Ms'),
      repetitions: runs.length,
    });
  }
  return { rows, notes: [] };
}
