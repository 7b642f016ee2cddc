import { chmod, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { StorageError } from '../storage/storage-error.js';
import type { IdentityContext } from '../identity/identity-context.js';
import { adminCommandSchema, runAdminCommand } from './admin-commands.js';
import {
  ADMIN_SOCKET_MAX_LINE_BYTES,
  ADMIN_SOCKET_NAME,
  adminSocketRequestSchema,
  type AdminSocketResponse,
} from './admin-socket-protocol.js';

/** Whether a server already listens on the socket (a stale file from a crash does not answer). */
async function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export interface AdminSocketServerOptions {
  readonly identity: IdentityContext;
  readonly logger: Logger;
  readonly dataDir: string;
}

/**
 * Lets `amtsbote admin …` reach a running server: PGlite allows one process, so the CLI cannot
 * open storage while the server holds it. The socket file is mode 0600 inside the data directory
 * (mode 0700): only the directory's owner can connect.
 */
export class AdminSocketServer {
  readonly #options: AdminSocketServerOptions;
  readonly #server: net.Server;
  readonly #path: string;

  constructor(options: AdminSocketServerOptions) {
    this.#options = options;
    this.#path = path.join(options.dataDir, ADMIN_SOCKET_NAME);
    this.#server = net.createServer((socket) => this.#serve(socket));
  }

  async listen(): Promise<void> {
    await mkdir(this.#options.dataDir, { recursive: true, mode: 0o700 });
    // The directory holds the database and this socket: only its owner may enter it.
    await chmod(this.#options.dataDir, 0o700);
    if (await isAnswering(this.#path)) {
      throw new StorageError('locked', 'another Amtsbote server uses this data directory');
    }
    await unlink(this.#path).catch(() => undefined);
    const previousMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#server.once('error', reject);
        this.#server.listen(this.#path, () => resolve());
      });
    } finally {
      process.umask(previousMask);
    }
    await chmod(this.#path, 0o600);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await unlink(this.#path).catch(() => undefined);
  }

  #serve(socket: net.Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > ADMIN_SOCKET_MAX_LINE_BYTES) {
        socket.destroy();
        return;
      }
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        void this.#answer(line).then((response) => socket.write(`${JSON.stringify(response)}\n`));
        newline = buffer.indexOf('\n');
      }
    });
  }

  async #answer(line: string): Promise<AdminSocketResponse> {
    let id = 0;
    try {
      const request = adminSocketRequestSchema.parse(JSON.parse(line));
      id = request.id;
      const command = adminCommandSchema.parse(request.body);
      this.#options.logger.info({ command: command.command }, 'admin command over socket');
      return { id, ok: true, result: await runAdminCommand(this.#options.identity, command) };
    } catch (error) {
      if (error instanceof AppError) {
        return {
          id,
          ok: false,
          error: { code: error.code, message: error.message, status: error.status },
        };
      }
      if (error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError')) {
        return {
          id,
          ok: false,
          error: { code: 'invalid_request', message: 'malformed admin command', status: 400 },
        };
      }
      this.#options.logger.error({ err: error }, 'admin command failed');
      return {
        id,
        ok: false,
        error: { code: 'internal_error', message: 'internal error', status: 500 },
      };
    }
  }
}
