import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { HttpRequest, HttpResponse, HttpStack } from 'tus-js-client';
import { ChunkBody } from './streaming-upload-source.js';

/*
 * tus-js-client's HTTP stack for Node, over node:http(s) looked up at run time (this package
 * also runs in browsers, which keep tus-js-client's own stack). Its difference from the stock
 * Node stack: a ChunkBody (streaming-upload-source.ts) is written as its bytes are produced, in
 * the encryptor's pieces, waiting only for the socket; the stock stack takes a whole chunk in one
 * buffer and writes it 16 KiB per event-loop turn. The protocol stays tus-js-client's.
 */

interface NodeHttpModule {
  request(url: URL, options: RequestOptions): ClientRequest;
}

interface ProcessWithBuiltins {
  readonly getBuiltinModule?: (id: 'node:http' | 'node:https') => NodeHttpModule | undefined;
}

/** tus-js-client's stack for Node, or null where node:http is absent (browsers). */
export function findNodeUploadStack(): HttpStack | null {
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  try {
    const http = process?.getBuiltinModule?.('node:http');
    const https = process?.getBuiltinModule?.('node:https');
    if (http === undefined || https === undefined) return null;
    return {
      createRequest: (method, url) => new NodeUploadRequest(method, url, { http, https }),
      getName: () => 'AmtsboteNodeUploadStack',
    };
  } catch {
    return null;
  }
}

interface Modules {
  readonly http: NodeHttpModule;
  readonly https: NodeHttpModule;
}

class NodeUploadRequest implements HttpRequest {
  readonly #method: string;
  readonly #url: string;
  readonly #modules: Modules;
  readonly #headers: Record<string, string> = {};
  #request: ClientRequest | null = null;
  #onProgress: (bytesSent: number) => void = () => undefined;

  constructor(method: string, url: string, modules: Modules) {
    this.#method = method;
    this.#url = url;
    this.#modules = modules;
  }

  getMethod(): string {
    return this.#method;
  }

  getURL(): string {
    return this.#url;
  }

  setHeader(header: string, value: string): void {
    this.#headers[header] = value;
  }

  getHeader(header: string): string | undefined {
    return this.#headers[header];
  }

  setProgressHandler(handler: (bytesSent: number) => void): void {
    this.#onProgress = handler;
  }

  send(body: unknown): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const url = new URL(this.#url);
      const headers = { ...this.#headers };
      if (body instanceof ChunkBody) headers['Content-Length'] = String(body.size);
      const module = url.protocol === 'https:' ? this.#modules.https : this.#modules.http;
      const request = module.request(url, { method: this.#method, headers });
      this.#request = request;
      request.on('response', (response: IncomingMessage) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => {
          resolve(new NodeUploadResponse(response, Buffer.concat(parts).toString('utf8')));
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      if (body instanceof ChunkBody) {
        writeChunk(request, body, this.#onProgress).catch((error: unknown) => {
          request.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      } else if (body === null || body === undefined) {
        request.end();
      } else {
        request.destroy(new Error('the upload stack sends ChunkBody bodies only'));
      }
    });
  }

  abort(): Promise<void> {
    this.#request?.destroy();
    return Promise.resolve();
  }

  getUnderlyingObject(): unknown {
    return this.#request;
  }
}

/** Writes the body's pieces as they come, waiting whenever the socket's buffer is full. */
async function writeChunk(
  request: ClientRequest,
  body: ChunkBody,
  onProgress: (bytesSent: number) => void,
): Promise<void> {
  let sent = 0;
  for await (const piece of body.pieces()) {
    if (request.destroyed) return;
    const hasRoom = request.write(piece);
    sent += piece.length;
    onProgress(sent);
    if (!hasRoom) await drained(request);
  }
  if (!request.destroyed) request.end();
}

function drained(request: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

class NodeUploadResponse implements HttpResponse {
  readonly #response: IncomingMessage;
  readonly #body: string;

  constructor(response: IncomingMessage, body: string) {
    this.#response = response;
    this.#body = body;
  }

  getStatus(): number {
    return this.#response.statusCode ?? 0;
  }

  getHeader(header: string): string | undefined {
    const value = this.#response.headers[header.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  getBody(): string {
    return this.#body;
  }

  getUnderlyingObject(): unknown {
    return this.#response;
  }
}
