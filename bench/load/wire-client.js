/*
 * The light load client of Amtsbote: one device's WebSocket session speaking the real wire
 * protocol (hello with the session token, binary frames of packages/protocol/src/envelope.ts)
 * with pre-made ciphertext instead of MLS. The server cannot tell the difference: it stores and
 * routes opaque bytes. Frames are written and read here by hand (no zod per frame), so the load
 * client spends as little of the shared CPU as it can.
 */
import { WebSocket } from 'ws';
import { assertLoopbackUrl } from './loopback.js';

const ENVELOPE_VERSION = 1;
const KIND = { event: 0x01, send: 0x02, sent: 0x03, error: 0x04, ack: 0x05, notice: 0x06 };
const CONNECT_TIMEOUT_MS = 30_000;
const ACK_DELAY_MS = 250;

function frame(kind, header, payload) {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const out = Buffer.allocUnsafe(6 + headerBytes.length + payload.length);
  out.writeUInt8(ENVELOPE_VERSION, 0);
  out.writeUInt8(kind, 1);
  out.writeUInt32BE(headerBytes.length, 2);
  headerBytes.copy(out, 6);
  payload.copy(out, 6 + headerBytes.length);
  return out;
}

function readFrame(data) {
  const headerLength = data.readUInt32BE(2);
  return {
    kind: data.readUInt8(1),
    header: JSON.parse(data.toString('utf8', 6, 6 + headerLength)),
  };
}

export class WireClient {
  /** `account`: `{ token }`; `wsUrl`: ws://127.0.0.1:<port>/api/ws. */
  constructor({ wsUrl, account, protocolVersion }) {
    assertLoopbackUrl(wsUrl);
    this.wsUrl = wsUrl;
    this.account = account;
    this.protocolVersion = protocolVersion;
    this.socket = null;
    this.requestId = 0;
    this.cursors = null;
    this.ackTimer = null;
    /** (messageId) => void: an event of another device arrived. */
    this.onProbe = null;
    /** (messageId) => void: the server answered a send with 'sent' (stored). */
    this.onStored = null;
    /** (code) => void: the server refused something. */
    this.onRefused = null;
  }

  get isConnected() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.wsUrl, { perMessageDeflate: false });
      this.socket = socket;
      let isWelcomed = false;
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error('no welcome within 30 s'));
      }, CONNECT_TIMEOUT_MS);
      socket.on('open', () => {
        socket.send(
          JSON.stringify({
            type: 'hello',
            protocolVersion: this.protocolVersion,
            token: this.account.token,
          }),
        );
      });
      socket.on('message', (data, isBinary) => {
        if (!isWelcomed) {
          const message = JSON.parse(data.toString('utf8'));
          clearTimeout(timer);
          if (message.type === 'welcome') {
            isWelcomed = true;
            resolve();
          } else {
            socket.terminate();
            reject(new Error(`refused: ${message.reason}`));
          }
          return;
        }
        if (isBinary) this.#onFrame(data);
      });
      socket.on('error', (error) => {
        if (!isWelcomed) {
          clearTimeout(timer);
          reject(error);
        }
      });
      socket.on('close', (code) => {
        clearTimeout(this.ackTimer ?? undefined);
        this.ackTimer = null;
        if (!isWelcomed) {
          clearTimeout(timer);
          reject(new Error(`closed with ${code} before the welcome`));
        }
      });
    });
  }

  /** Sends pre-made ciphertext as an application message of the conversation. */
  sendProbe(conversationId, epoch, messageId, ciphertext) {
    this.requestId = (this.requestId + 1) >>> 0;
    this.socket.send(
      frame(
        KIND.send,
        { requestId: this.requestId, conversationId, messageId, epoch, intent: 'post' },
        ciphertext,
      ),
    );
  }

  #onFrame(data) {
    const { kind, header } = readFrame(data);
    if (kind === KIND.event) {
      if (header.type === 'message') this.onProbe?.(header.messageId);
      this.#scheduleAck(header.conversationId, header.seq);
    } else if (kind === KIND.sent) {
      this.onStored?.(header.messageId);
    } else if (kind === KIND.error) {
      this.onRefused?.(header.code);
    }
  }

  /** Acknowledges what arrived, batched, as a real client does after processing it. */
  #scheduleAck(conversationId, seq) {
    this.cursors ??= new Map();
    if ((this.cursors.get(conversationId) ?? -1) < seq) this.cursors.set(conversationId, seq);
    if (this.ackTimer !== null) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      const cursors = [...this.cursors].map(([id, s]) => ({ conversationId: id, seq: s }));
      this.cursors = null;
      if (this.isConnected) this.socket.send(frame(KIND.ack, { cursors }, Buffer.alloc(0)));
    }, ACK_DELAY_MS);
  }

  /** Closes normally (1000) and resolves once closed (at most 5 s, then the socket is cut). */
  close() {
    return new Promise((resolve) => {
      const socket = this.socket;
      if (socket === null || socket.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      const timer = setTimeout(() => socket.terminate(), 5000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000);
    });
  }

  /** Cuts the connection without a closing handshake, as a lost network does. */
  destroy() {
    this.socket?.terminate();
  }
}
