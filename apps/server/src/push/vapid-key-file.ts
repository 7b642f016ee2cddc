import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PushConfig } from '../config.js';
import {
  generateVapidKeyPair,
  importVapidKeyPair,
  type VapidKeyPair,
  type VapidSigner,
} from './vapid.js';

/*
 * Where the VAPID key comes from: AMTSBOTE_VAPID_* when set (every node of a cluster must sign
 * with the same key), else <dataDir>/vapid.json, made on the first start with mode 0600 and
 * kept apart from the database and its backups. The key must not change: browsers bound their
 * subscriptions to it, and a new key silently orphans them all.
 */

export const VAPID_KEY_FILE = 'vapid.json';
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

const keyFileSchema = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  createdAt: z.iso.datetime(),
});

/** Why the key file could not be used; the error carries no content of the file. */
export type VapidKeyFileProblem = 'unreadable' | 'malformed' | 'unwritable';

export class VapidKeyFileError extends Error {
  readonly code: VapidKeyFileProblem;

  constructor(code: VapidKeyFileProblem, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'VapidKeyFileError';
    this.code = code;
  }
}

export interface VapidKeySource {
  readonly config: PushConfig;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The server's VAPID signer, or null when there is none: then web push is off, which is logged
 * once as an error naming what to fix. Never throws.
 */
export async function loadVapidSigner(source: VapidKeySource): Promise<VapidSigner | null> {
  const { config, logger } = source;
  if (config.vapidKeys !== null) {
    // loadConfig checked that the pair is well formed and belongs together.
    const signer = importVapidKeyPair({
      privateKey: base64urlDecode(config.vapidKeys.privateKey),
      publicKey: base64urlDecode(config.vapidKeys.publicKey),
    });
    logger.info({ vapidKey: 'environment' }, 'web push enabled');
    return signer;
  }
  const file = path.join(source.dataDir, VAPID_KEY_FILE);
  try {
    const { pair, isNew } = await readOrCreateKeyFile(file, source.clock);
    const signer = importVapidKeyPair(pair);
    logger.info(
      { vapidKey: isNew ? 'created in data directory' : 'data directory' },
      'web push enabled',
    );
    return signer;
  } catch (error) {
    // Only the code: a parser's message could quote the file, which holds the private key.
    const problem = error instanceof VapidKeyFileError ? error.code : 'malformed';
    logger.error(
      { problem, file },
      'web push disabled: AMTSBOTE_VAPID_PRIVATE_KEY and AMTSBOTE_VAPID_PUBLIC_KEY are not set, and the key file cannot be used (fix or remove it, or set the variables)',
    );
    return null;
  }
}

async function readOrCreateKeyFile(
  file: string,
  clock: Clock,
): Promise<{ pair: VapidKeyPair; isNew: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) {
      throw new VapidKeyFileError('unreadable', 'the VAPID key file cannot be read', error);
    }
    return { pair: await createKeyFile(file, clock), isNew: true };
  }
  let parsed: z.output<typeof keyFileSchema>;
  try {
    parsed = keyFileSchema.parse(JSON.parse(text));
  } catch {
    // The cause is dropped on purpose: it may quote the file.
    throw new VapidKeyFileError('malformed', 'the VAPID key file is malformed');
  }
  return {
    pair: {
      privateKey: base64urlDecode(parsed.privateKey),
      publicKey: base64urlDecode(parsed.publicKey),
    },
    isNew: false,
  };
}

/** Writes a new pair to a temporary file (0600, synced) and renames it into place. */
async function createKeyFile(file: string, clock: Clock): Promise<VapidKeyPair> {
  const pair = generateVapidKeyPair();
  const content = `${JSON.stringify({
    publicKey: base64urlEncode(pair.publicKey),
    privateKey: base64urlEncode(pair.privateKey),
    createdAt: clock.now().toISOString(),
  })}\n`;
  const temporary = `${file}.${randomUUID()}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: DIRECTORY_MODE });
    const handle = await open(temporary, 'wx', FILE_MODE);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new VapidKeyFileError('unwritable', 'the VAPID key file cannot be written', error);
  }
  return pair;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
