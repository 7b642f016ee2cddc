import net from 'node:net';
import path from 'node:path';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createIdentityContext } from '../identity/create-identity-context.js';
import { migrateToLatest } from '../storage/migrate.js';
import { openStorage } from '../storage/open-storage.js';
import { adminCommandSchema, runAdminCommand, type AdminCommandInput } from './admin-commands.js';
import { ADMIN_SOCKET_NAME, adminSocketResponseSchema } from './admin-socket-protocol.js';

export class AdminCommandError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'AdminCommandError';
    this.code = code;
    this.status = status;
  }
}

export type AdminTransport = 'socket' | 'storage';

/** Sends one command to the server running on this data directory; null if none is running. */
async function viaSocket(socketPath: string, body: AdminCommandInput): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let isConnected = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      isConnected = true;
      socket.write(`${JSON.stringify({ id: 1, body })}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      socket.end();
      try {
        const response = adminSocketResponseSchema.parse(JSON.parse(buffer.slice(0, newline)));
        if (response.ok) resolve({ result: response.result });
        else
          reject(
            new AdminCommandError(
              response.error.code,
              response.error.message,
              response.error.status,
            ),
          );
      } catch (error) {
        reject(error instanceof Error ? error : new Error('bad admin socket response'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!isConnected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) resolve(null);
      else reject(error);
    });
  });
}

async function viaStorage(config: Config, body: AdminCommandInput): Promise<unknown> {
  const command = adminCommandSchema.parse(body);
  const storage = await openStorage(
    config.databaseUrl === null
      ? { kind: 'pglite', dataDir: config.dataDir }
      : { kind: 'postgres', url: config.databaseUrl, maxConnections: 2 },
  );
  try {
    await migrateToLatest(storage.db);
    const ctx = createIdentityContext(storage, config, { clock: systemClock });
    return await runAdminCommand(ctx, command);
  } catch (error) {
    if (error instanceof AppError)
      throw new AdminCommandError(error.code, error.message, error.status);
    throw error;
  } finally {
    await storage.close();
  }
}

/**
 * Runs an admin command: through the running server's admin socket when there is one (the
 * server then also closes affected connections at once), otherwise directly on storage.
 */
export async function executeAdminCommand(
  config: Config,
  body: AdminCommandInput,
): Promise<{ result: unknown; transport: AdminTransport }> {
  const parsed = adminCommandSchema.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AdminCommandError('invalid_request', detail, 400);
  }
  const answer = (await viaSocket(path.join(config.dataDir, ADMIN_SOCKET_NAME), body)) as {
    result: unknown;
  } | null;
  if (answer !== null) return { result: answer.result, transport: 'socket' };
  return { result: await viaStorage(config, body), transport: 'storage' };
}
