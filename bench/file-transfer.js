/*
 * file-transfer: an end-to-end encrypted file through a real server and back, against a plain
 * streaming HTTP PUT and GET of the same bytes in the same run. The server is the BUILT
 * apps/server in a child process on loopback (embedded storage, filesystem blob store, a
 * temporary data directory); the client encrypts as it uploads over tus (@amtsbote/client
 * uploadCiphertext) and decrypts as it downloads. The peer is a minimal node:http server, also a
 * child process, that writes a PUT body to a file in its own temporary directory, fsyncs it
 * before answering (Amtsbote acknowledges only what is durable), and streams it back on GET.
 * Both are warmed up with one untimed transfer of up to 64 MiB each; the repetitions then
 * alternate which of the two goes first. Also reported: the Amtsbote server's resident memory
 * at rest (after setup) and its peak during the transfers (sampled from /proc every 50 ms), and
 * this process's (the client's) peak.
 * With AMTSBOTE_BENCH_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) the server
 * uses a fresh PostgreSQL database made for the run and dropped after it, instead of embedded
 * PGlite, whose WebAssembly heap dominates the resident memory.
 *
 * `--disconnects N` adds one more upload after the repetitions, through a loopback proxy
 * (cutting-proxy.js) that cuts the connection N times, evenly over the ciphertext; the file is
 * then downloaded and its SHA-256 compared with the plaintext's. Reported: the cuts that
 * happened, and the bytes re-sent (bytes the proxy passed on, request headers included, minus
 * the ciphertext size) against N × the upload chunk size. Both servers are ended by their
 * process id; both directories are removed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpApi,
  MemoryStore,
  MessagingClient,
  downloadCiphertext,
  uploadCiphertext,
} from '@amtsbote/client';
import {
  createFileDecryptor,
  createFileEncryptor,
  encryptedSize,
  generateFileKey,
} from '@amtsbote/crypto';
// The chunk size uploadCiphertext uses in Node (the built module: the entry does not export it).
import { NODE_UPLOAD_CHUNK_BYTES as UPLOAD_CHUNK_BYTES } from '../packages/client/dist/files/file-transport.js';
import { startCuttingProxy } from './cutting-proxy.js';
import { freshDatabase, startProcess, startServer, stopProcess } from './processes.js';
import { figure, median, nowMs, ratio } from './stats.js';

const ROOT = join(import.meta.dirname, '..');
const GOAL = '>= 0.8 of plain HTTP';
const MIB = 1024 * 1024;
const PIECE_BYTES = MIB;
const WARM_UP_BYTES = 64 * MIB;

const PEER_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const file = path.join(process.argv[1], 'blob');
http.createServer((req, res) => {
  if (req.method === 'PUT') {
    const out = fs.createWriteStream(file);
    req.pipe(out);
    // Durable before the answer, as Amtsbote's blob store is (fsync, then acknowledge).
    out.on('finish', () => fs.fsync(out.fd, () => out.close(() => { res.writeHead(204); res.end(); })));
  } else {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  }
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
`;

/**
 * Peak resident memory (MiB) of the server process and of this one while `run` runs, from
 * /proc (Linux) and process.memoryUsage, every 50 ms.
 */
async function peakRssDuring(pid, run) {
  let peakKiB = 0;
  let ownPeakBytes = 0;
  const sample = () => {
    ownPeakBytes = Math.max(ownPeakBytes, process.memoryUsage.rss());
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match !== null) peakKiB = Math.max(peakKiB, Number(match[1]));
    } catch {
      // The process ended; the samples so far stand.
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    await run();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { serverMiB: peakKiB / 1024, clientMiB: ownPeakBytes / MIB };
}

/** `totalBytes` of plaintext, one shared random MiB after another (AES does not care). */
function plaintextStream(totalBytes, piece) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) {
        controller.close();
        return;
      }
      const length = Math.min(piece.length, totalBytes - sent);
      controller.enqueue(piece.subarray(0, length));
      sent += length;
    },
  });
}

async function drain(stream, hash = null) {
  let bytes = 0;
  for await (const part of stream) {
    bytes += part.length;
    hash?.update(part);
  }
  return bytes;
}

async function sha256Of(stream) {
  const hash = createHash('sha256');
  await drain(stream, hash);
  return hash.digest('hex');
}

async function startAmtsbote(dataDir, mebibytes, databaseUrl) {
  const { child, match, port } = await startServer({
    dataDir,
    databaseUrl,
    env: { AMTSBOTE_MAX_FILE_MB: String(mebibytes + 64) },
    pattern: /(http:\/\/\S+\/setup#(\S+))/,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const grant = await new HttpApi({ baseUrl }).setup({
    token: match[2],
    organization: { slug: 'bench', name: 'Benchmark' },
    admin: { username: 'bench', displayName: 'Bench', password: 'lange Passphrase fuer Messungen' },
    device: { name: 'Bench', platform: 'web', kind: 'managed' },
  });
  const http = new HttpApi({ baseUrl, token: grant.token });
  const client = await MessagingClient.bootstrap({
    http,
    session: {
      organizationId: grant.organization.id,
      userId: grant.user.id,
      deviceId: grant.device.id,
    },
    store: new MemoryStore(),
    wsUrl: null,
  });
  const { conversationId } = await client.createConversation({ kind: 'group', memberUserIds: [] });
  return { child, http, token: grant.token, client, conversationId };
}

async function encryptedRound(server, totalBytes, piece) {
  const key = generateFileKey();
  const uploadStart = nowMs();
  const fileId = await uploadCiphertext(server.http, {
    conversationId: server.conversationId,
    body: plaintextStream(totalBytes, piece).pipeThrough(createFileEncryptor(key)),
    sizeBytes: encryptedSize(totalBytes),
  });
  const uploadMs = nowMs() - uploadStart;
  const downloadStart = nowMs();
  const ciphertext = await downloadCiphertext(server.http, fileId);
  const received = await drain(
    ciphertext.pipeThrough(createFileDecryptor(key, { expectedPlaintextBytes: totalBytes })),
  );
  const downloadMs = nowMs() - downloadStart;
  if (received !== totalBytes) throw new Error(`decrypted ${received} of ${totalBytes} bytes`);
  await server.http.fetchRaw('DELETE', `/api/files/${fileId}`);
  return { uploadMs, downloadMs };
}

async function plainRound(peerUrl, totalBytes, piece) {
  const uploadStart = nowMs();
  const put = await fetch(`${peerUrl}/blob`, {
    method: 'PUT',
    body: plaintextStream(totalBytes, piece),
    duplex: 'half',
  });
  if (put.status !== 204) throw new Error(`plain PUT answered ${put.status}`);
  const uploadMs = nowMs() - uploadStart;
  const downloadStart = nowMs();
  const get = await fetch(`${peerUrl}/blob`);
  const received = await drain(get.body);
  const downloadMs = nowMs() - downloadStart;
  if (received !== totalBytes) throw new Error(`plain GET gave ${received} of ${totalBytes} bytes`);
  return { uploadMs, downloadMs };
}

/**
 * One upload through a proxy that cuts the connection `disconnects` times, evenly over the
 * ciphertext; then the file is downloaded (directly) and hashed.
 */
async function disconnectRound(server, totalBytes, piece, disconnects) {
  const sizeBytes = encryptedSize(totalBytes);
  const proxy = await startCuttingProxy(server.http.baseUrl, {
    cutAfterBytes: Math.floor(sizeBytes / (disconnects + 1)),
    maxCuts: disconnects,
  });
  const key = generateFileKey();
  let fileId;
  let uploadMs;
  try {
    const uploadStart = nowMs();
    fileId = await uploadCiphertext(new HttpApi({ baseUrl: proxy.url, token: server.token }), {
      conversationId: server.conversationId,
      body: plaintextStream(totalBytes, piece).pipeThrough(createFileEncryptor(key)),
      sizeBytes,
    });
    uploadMs = nowMs() - uploadStart;
  } finally {
    await proxy.close();
  }
  const ciphertext = await downloadCiphertext(server.http, fileId);
  const sha256 = await sha256Of(
    ciphertext.pipeThrough(createFileDecryptor(key, { expectedPlaintextBytes: totalBytes })),
  );
  await server.http.fetchRaw('DELETE', `/api/files/${fileId}`);
  return {
    uploadMs,
    sha256,
    cuts: proxy.cuts,
    resentBytes: proxy.forwardedBytes - sizeBytes,
    sizeBytes,
  };
}

export async function fileTransfer(options, deadline) {
  if (!existsSync(join(ROOT, 'apps/server/dist/main.js'))) {
    throw new Error('apps/server is not built: run npm run build first');
  }
  const totalBytes = options.mebibytes * MIB;
  const mib = options.mebibytes;
  const piece = randomBytes(PIECE_BYTES);
  const serverDir = await mkdtemp(join(tmpdir(), 'amtsbote-bench-server-'));
  const peerDir = await mkdtemp(join(tmpdir(), 'amtsbote-bench-peer-'));
  let server = null;
  let peer = null;
  let database = null;
  const samples = {
    up: [],
    down: [],
    peerUp: [],
    peerDown: [],
    rss: [],
    restRss: [],
    clientRss: [],
  };
  let cut = null;
  const postgresUrl = process.env.AMTSBOTE_BENCH_POSTGRES_URL ?? null;
  try {
    if (postgresUrl !== null) database = await freshDatabase(postgresUrl);
    server = await startAmtsbote(serverDir, options.mebibytes, database?.url ?? null);
    peer = await startProcess(
      ['-e', PEER_SERVER, peerDir],
      { PATH: process.env.PATH },
      /port (\d+)/,
    );
    const peerUrl = `http://127.0.0.1:${peer.match[1]}`;
    // Untimed: the first transfer of a process runs colder code on both sides.
    const warmUpBytes = Math.min(totalBytes, WARM_UP_BYTES);
    await encryptedRound(server, warmUpBytes, piece);
    await plainRound(peerUrl, warmUpBytes, piece);
    deadline.check('setup');
    for (let rep = 0; rep < options.repetitions; rep++) {
      if (rep > 0 && deadline.isSpent) break;
      samples.restRss.push(
        (await peakRssDuring(server.child.pid, () => Promise.resolve())).serverMiB,
      );
      let encrypted;
      let plain;
      const runEncrypted = async () => {
        const rss = await peakRssDuring(server.child.pid, async () => {
          encrypted = await encryptedRound(server, totalBytes, piece);
        });
        samples.rss.push(rss.serverMiB);
        samples.clientRss.push(rss.clientMiB);
      };
      // Alternating which goes first, so neither always meets the other's leftovers.
      if (rep % 2 === 0) {
        await runEncrypted();
        plain = await plainRound(peerUrl, totalBytes, piece);
      } else {
        plain = await plainRound(peerUrl, totalBytes, piece);
        await runEncrypted();
      }
      samples.up.push(mib / (encrypted.uploadMs / 1000));
      samples.down.push(mib / (encrypted.downloadMs / 1000));
      samples.peerUp.push(mib / (plain.uploadMs / 1000));
      samples.peerDown.push(mib / (plain.downloadMs / 1000));
    }
    if (options.disconnects > 0) {
      deadline.check('the upload with disconnects');
      const expected = await sha256Of(plaintextStream(totalBytes, piece));
      let round;
      const rss = await peakRssDuring(server.child.pid, async () => {
        round = await disconnectRound(server, totalBytes, piece, options.disconnects);
      });
      cut = { ...round, isSha256Equal: round.sha256 === expected, rss };
    }
  } finally {
    await server?.client.close().catch(() => undefined);
    if (server !== null) await stopProcess(server.child);
    if (peer !== null) await stopProcess(peer.child);
    await database?.drop();
    await rm(serverDir, { recursive: true, force: true });
    await rm(peerDir, { recursive: true, force: true });
  }
  const ours = 'Amtsbote (encrypted, tus)';
  const plainName = 'plain HTTP (node:http)';
  const unit = 'MiB/s';
  const figures = [
    figure({ metric: 'upload', implementation: ours, unit, samples: samples.up, goal: GOAL }),
    figure({ metric: 'upload', implementation: plainName, unit, samples: samples.peerUp }),
    figure({ metric: 'download', implementation: ours, unit, samples: samples.down, goal: GOAL }),
    figure({ metric: 'download', implementation: plainName, unit, samples: samples.peerDown }),
    figure({
      metric: 'server resident memory at rest',
      implementation: ours,
      unit: 'MiB',
      samples: samples.restRss,
    }),
    figure({
      metric: 'server peak resident memory during the transfer',
      implementation: ours,
      unit: 'MiB',
      samples: samples.rss,
      goal: '< 200 MiB',
    }),
    figure({
      metric: 'client (this process) peak resident memory during the transfer',
      implementation: ours,
      unit: 'MiB',
      samples: samples.clientRss,
    }),
  ];
  const notes = [];
  if (cut !== null) {
    const boundBytes = cut.cuts * UPLOAD_CHUNK_BYTES;
    figures.push(
      figure({
        metric: `upload through ${options.disconnects} forced disconnects (requested)`,
        implementation: ours,
        unit,
        samples: [mib / (cut.uploadMs / 1000)],
      }),
      figure({
        metric: 'server peak resident memory during the upload with disconnects',
        implementation: ours,
        unit: 'MiB',
        samples: [cut.rss.serverMiB],
        goal: '< 200 MiB',
      }),
    );
    notes.push(
      `Forced disconnects: ${cut.cuts} of ${options.disconnects} requested happened; ` +
        `SHA-256 after download ${cut.isSha256Equal ? 'equal' : 'DIFFERENT'}; ` +
        `re-sent ${cut.resentBytes} bytes (proxy bytes, request headers included, minus the ` +
        `${cut.sizeBytes}-byte ciphertext) against ${cut.cuts} × ${UPLOAD_CHUNK_BYTES} = ` +
        `${boundBytes} bytes allowed (${cut.resentBytes <= boundBytes ? 'within' : 'OVER'}).`,
    );
  }
  const pairedRatio = (subject, peers) => median(subject.map((value, i) => value / peers[i]));
  return {
    parameters:
      `${options.mebibytes} MiB per transfer, loopback, filesystem blob store, ` +
      (postgresUrl === null ? 'embedded PGlite' : 'PostgreSQL') +
      `, upload chunk ${UPLOAD_CHUNK_BYTES / MIB} MiB`,
    figures,
    ratioOf: { subject: 'Amtsbote', peer: 'plain HTTP' },
    ratios: {
      upload: ratio(figures[0], figures[1]),
      download: ratio(figures[2], figures[3]),
      'upload, median of per-repetition ratios': Number(
        pairedRatio(samples.up, samples.peerUp).toFixed(2),
      ),
      'download, median of per-repetition ratios': Number(
        pairedRatio(samples.down, samples.peerDown).toFixed(2),
      ),
    },
    perRepetition: {
      upload: samples.up.map(Math.round),
      plainUpload: samples.peerUp.map(Math.round),
      download: samples.down.map(Math.round),
      plainDownload: samples.peerDown.map(Math.round),
    },
    ...(cut === null
      ? {}
      : {
          disconnects: {
            requested: options.disconnects,
            happened: cut.cuts,
            isSha256Equal: cut.isSha256Equal,
            resentBytes: cut.resentBytes,
            allowedBytes: cut.cuts * UPLOAD_CHUNK_BYTES,
            ciphertextBytes: cut.sizeBytes,
          },
        }),
    notes,
  };
}
