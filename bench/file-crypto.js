/*
 * file-crypto: streaming file encryption through the public entry of the BUILT @amtsbote/crypto
 * (createFileEncryptor / createFileDecryptor: AES-256-GCM in node:crypto, as Node gets it, WHATWG
 * streams, default chunk size), --mebibytes of plaintext per repetition, written and read in
 * 64 KiB pieces as a browser's File.stream() or a fetch body gives them. The decryptor gets the
 * expected size, as the app does from the file's metadata. The same streams on the WebCrypto
 * backend (what browsers run; built module, not the public entry) are measured beside them.
 *
 * Peer: node:crypto AES-256-GCM over the same chunks with the same nonces and associated data,
 * one createCipheriv / createDecipheriv per chunk, synchronously and without streams: the cost
 * of the cipher alone on this machine.
 *
 * Memory: a first pass per repetition streams the plaintext through encryptor and decryptor in
 * one pipe and samples the ArrayBuffer memory above its level at the start (after a full garbage
 * collection). It should not grow with --mebibytes; what it shows above a few chunks is garbage
 * the collector has not reached yet.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_HEADER_BYTES,
  createFileDecryptor,
  createFileEncryptor,
  generateFileKey,
} from '@amtsbote/crypto';
import { createFileDecryptorOn } from '../packages/crypto/dist/files/file-decryptor.js';
import { createFileEncryptorOn } from '../packages/crypto/dist/files/file-encryptor.js';
import { webCryptoChunkCipherBackend } from '../packages/crypto/dist/files/webcrypto-chunk-cipher.js';
import { figure, nowMs, ratio } from './stats.js';

const GOAL = '>= 300 MiB/s';
const MEBIBYTE = 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
const CHECK_EVERY = 256;
const SAMPLE_MEMORY_EVERY = 16;

/** A stream of `totalBytes` in 64 KiB views of one random buffer (the encryptor copies them). */
function plaintextSource(source, totalBytes, deadline) {
  let sent = 0;
  let pieces = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (sent >= totalBytes) {
          controller.close();
          return;
        }
        if (++pieces % CHECK_EVERY === 0) deadline.check('streaming');
        const length = Math.min(PIECE_BYTES, totalBytes - sent);
        const offset = sent % source.length;
        controller.enqueue(source.subarray(offset, offset + length));
        sent += length;
      },
    },
    { highWaterMark: 0 },
  );
}

/** The stored ciphertext as 64 KiB views (a piece never spans two stored outputs). */
function ciphertextSource(outputs) {
  function* pieces() {
    for (const output of outputs) {
      for (let offset = 0; offset < output.length; offset += PIECE_BYTES) {
        yield output.subarray(offset, offset + PIECE_BYTES);
      }
    }
  }
  const iterator = pieces();
  return new ReadableStream(
    {
      pull(controller) {
        const next = iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    },
    { highWaterMark: 0 },
  );
}

function collectingSink(outputs) {
  return new WritableStream({
    write(chunk) {
      outputs.push(chunk);
    },
  });
}

function countingSink(counter) {
  return new WritableStream({
    write(chunk) {
      counter.bytes += chunk.length;
    },
  });
}

function mebibytesPerSecond(bytes, elapsedMs) {
  return bytes / MEBIBYTE / (elapsedMs / 1000);
}

/** The streams of the public entry (node:crypto in Node) and of the WebCrypto backend. */
const DEFAULT_STREAMS = { createFileEncryptor, createFileDecryptor };
const WEBCRYPTO_STREAMS = {
  createFileEncryptor: (key, options) =>
    createFileEncryptorOn(webCryptoChunkCipherBackend(), key, options),
  createFileDecryptor: (key, options) =>
    createFileDecryptorOn(webCryptoChunkCipherBackend(), key, options),
};

async function streamedEncrypt(streams, key, source, totalBytes, deadline) {
  const outputs = [];
  const start = nowMs();
  await plaintextSource(source, totalBytes, deadline)
    .pipeThrough(streams.createFileEncryptor(key))
    .pipeTo(collectingSink(outputs));
  return { rate: mebibytesPerSecond(totalBytes, nowMs() - start), outputs };
}

async function streamedDecrypt(streams, key, outputs, totalBytes) {
  const counter = { bytes: 0 };
  const start = nowMs();
  await ciphertextSource(outputs)
    .pipeThrough(streams.createFileDecryptor(key, { expectedPlaintextBytes: totalBytes }))
    .pipeTo(countingSink(counter));
  const elapsedMs = nowMs() - start;
  if (counter.bytes !== totalBytes) throw new Error(`decrypted ${counter.bytes} bytes`);
  return mebibytesPerSecond(totalBytes, elapsedMs);
}

/**
 * A full garbage collection, so the memory pass starts from what is really held. run.js starts
 * node without --expose-gc; setting the flag at run time exposes gc() to new contexts.
 */
async function collectGarbage() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  gc();
  // V8 frees ArrayBuffer memory on a background thread after the collection: let it finish.
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
}

/** Peak ArrayBuffer memory above the start while streaming through encryptor and decryptor. */
async function streamedRoundTripMemory(key, source, totalBytes, deadline) {
  await collectGarbage();
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let writes = 0;
  const counter = { bytes: 0 };
  await plaintextSource(source, totalBytes, deadline)
    .pipeThrough(createFileEncryptor(key))
    .pipeThrough(createFileDecryptor(key, { expectedPlaintextBytes: totalBytes }))
    .pipeTo(
      new WritableStream({
        write(chunk) {
          counter.bytes += chunk.length;
          if (++writes % SAMPLE_MEMORY_EVERY === 0) {
            peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
          }
        },
      }),
    );
  if (counter.bytes !== totalBytes) throw new Error(`round trip gave ${counter.bytes} bytes`);
  return peak / MEBIBYTE;
}

function peerNonce(index, isFinal) {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(index, 7);
  nonce[11] = isFinal ? 1 : 0;
  return nonce;
}

function peerEncrypt(key, header, source, totalBytes, chunkBytes, deadline) {
  const outputs = [];
  const chunks = Math.max(1, Math.ceil(totalBytes / chunkBytes));
  const start = nowMs();
  for (let index = 0; index < chunks; index++) {
    if (index % CHECK_EVERY === 0) deadline.check('node:crypto encryption');
    const offset = (index * chunkBytes) % source.length;
    const length = Math.min(chunkBytes, totalBytes - index * chunkBytes);
    const cipher = createCipheriv('aes-256-gcm', key, peerNonce(index, index === chunks - 1));
    cipher.setAAD(header);
    const body = cipher.update(source.subarray(offset, offset + length));
    cipher.final();
    outputs.push({ body, tag: cipher.getAuthTag() });
  }
  return { rate: mebibytesPerSecond(totalBytes, nowMs() - start), outputs };
}

function peerDecrypt(key, header, outputs, totalBytes) {
  let bytes = 0;
  const start = nowMs();
  outputs.forEach(({ body, tag }, index) => {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      key,
      peerNonce(index, index === outputs.length - 1),
    );
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    bytes += decipher.update(body).length;
    decipher.final();
  });
  const elapsedMs = nowMs() - start;
  if (bytes !== totalBytes) throw new Error(`node:crypto decrypted ${bytes} bytes`);
  return mebibytesPerSecond(totalBytes, elapsedMs);
}

export async function fileCrypto(options, deadline) {
  const totalBytes = options.mebibytes * MEBIBYTE;
  // Random bytes repeated every 4 MiB, a multiple of chunk and piece sizes.
  const source = randomBytes(4 * MEBIBYTE);
  const header = randomBytes(FILE_HEADER_BYTES);
  const samples = {
    enc: [],
    dec: [],
    webEnc: [],
    webDec: [],
    peerEnc: [],
    peerDec: [],
    memory: [],
  };
  // Ours and the peer alternate within each repetition, so both see the same machine load.
  for (let rep = 0; rep < options.repetitions; rep++) {
    if (rep > 0 && deadline.isSpent) break;
    const key = generateFileKey();
    // First, before this repetition holds any ciphertext.
    const memory = await streamedRoundTripMemory(key, source, totalBytes, deadline);
    const encrypted = await streamedEncrypt(DEFAULT_STREAMS, key, source, totalBytes, deadline);
    const web = await streamedEncrypt(WEBCRYPTO_STREAMS, key, source, totalBytes, deadline);
    const peerKey = randomBytes(32);
    const peer = peerEncrypt(
      peerKey,
      header,
      source,
      totalBytes,
      DEFAULT_FILE_CHUNK_BYTES,
      deadline,
    );
    deadline.check('decryption');
    const decrypted = await streamedDecrypt(DEFAULT_STREAMS, key, encrypted.outputs, totalBytes);
    const webDecrypted = await streamedDecrypt(WEBCRYPTO_STREAMS, key, web.outputs, totalBytes);
    const peerDecrypted = peerDecrypt(peerKey, header, peer.outputs, totalBytes);
    encrypted.outputs.length = 0;
    web.outputs.length = 0;
    peer.outputs.length = 0;
    samples.enc.push(encrypted.rate);
    samples.webEnc.push(web.rate);
    samples.webDec.push(webDecrypted);
    samples.peerEnc.push(peer.rate);
    samples.dec.push(decrypted);
    samples.peerDec.push(peerDecrypted);
    samples.memory.push(memory);
  }
  const unit = 'MiB/s';
  const ours = '@amtsbote/crypto (node:crypto, streams)';
  const webName = '@amtsbote/crypto on WebCrypto (browsers)';
  const peerName = 'node:crypto (one call per chunk)';
  const figures = [
    figure({ metric: 'encrypt', implementation: ours, unit, samples: samples.enc, goal: GOAL }),
    figure({ metric: 'encrypt', implementation: peerName, unit, samples: samples.peerEnc }),
    figure({ metric: 'decrypt', implementation: ours, unit, samples: samples.dec, goal: GOAL }),
    figure({ metric: 'decrypt', implementation: peerName, unit, samples: samples.peerDec }),
    figure({ metric: 'encrypt', implementation: webName, unit, samples: samples.webEnc }),
    figure({ metric: 'decrypt', implementation: webName, unit, samples: samples.webDec }),
    figure({
      metric: 'peak ArrayBuffer memory, round trip',
      implementation: ours,
      unit: 'MiB',
      samples: samples.memory,
    }),
  ];
  return {
    parameters:
      `${options.mebibytes} MiB per repetition, chunks of ${DEFAULT_FILE_CHUNK_BYTES / 1024} KiB, ` +
      `pieces of ${PIECE_BYTES / 1024} KiB; ratios are @amtsbote/crypto / node:crypto`,
    figures,
    ratioOf: { subject: '@amtsbote/crypto', peer: 'node:crypto' },
    ratios: {
      encrypt: ratio(figures[0], figures[1]),
      decrypt: ratio(figures[2], figures[3]),
      'encrypt, WebCrypto backend': ratio(figures[4], figures[1]),
      'decrypt, WebCrypto backend': ratio(figures[5], figures[3]),
    },
  };
}
