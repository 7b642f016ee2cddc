import {
  EnvelopeError,
  decodeFrame,
  type ErrorCode,
  type Frame,
  type FrameHeaders,
} from '@amtsbote/protocol';
import type { Logger } from 'pino';
import { AppError, assertNever } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import type { MessagingContext } from '../messaging/messaging-context.js';
import { sendMessage } from '../messaging/message-service.js';
import { acknowledge } from '../messaging/sync-service.js';

/** After this many malformed frames the connection is closed: the client is broken or hostile. */
export const MAX_INVALID_FRAMES = 10;
/** Sends of one connection being stored at the same time; more are refused until some finish. */
export const MAX_SENDS_IN_FLIGHT = 32;

export interface FrameHandlerOptions {
  readonly messaging: MessagingContext;
  readonly logger: Logger;
  readonly principal: Principal;
  readonly sendFrame: (frame: Frame) => void;
  /** Closes the connection with 1008. */
  readonly closeForPolicy: (reason: string) => void;
}

const NO_PAYLOAD = new Uint8Array();

/**
 * Handles the binary frames of one authenticated connection: 'send' (answered by 'sent' or
 * 'error' with the request id) and 'ack'. A malformed frame gets an invalid_frame error and the
 * connection stays usable; many of them close it. Never throws.
 */
export class FrameHandler {
  readonly #options: FrameHandlerOptions;
  #invalidFrames = 0;
  #sendsInFlight = 0;

  constructor(options: FrameHandlerOptions) {
    this.#options = options;
  }

  handle(bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.#refuseInvalid(error instanceof EnvelopeError ? error.message : 'malformed frame');
      return;
    }
    switch (frame.kind) {
      case 'send':
        void this.#onSend(frame.header, frame.payload);
        return;
      case 'ack':
        void this.#onAck(frame.header);
        return;
      case 'event':
      case 'sent':
      case 'error':
      case 'notice':
        this.#refuseInvalid(`${frame.kind} frames are sent by the server only`);
        return;
      default:
        assertNever(frame);
    }
  }

  #refuseInvalid(message: string): void {
    this.#invalidFrames += 1;
    this.#sendError(null, 'invalid_frame', message);
    if (this.#invalidFrames >= MAX_INVALID_FRAMES) this.#options.closeForPolicy('invalid_frames');
  }

  async #onSend(header: FrameHeaders['send'], payload: Uint8Array): Promise<void> {
    if (this.#sendsInFlight >= MAX_SENDS_IN_FLIGHT) {
      this.#sendError(header.requestId, 'too_many_requests', 'too many sends in flight');
      return;
    }
    this.#sendsInFlight += 1;
    try {
      const sent = await sendMessage(this.#options.messaging, this.#options.principal, {
        conversationId: header.conversationId,
        messageId: header.messageId,
        epoch: header.epoch,
        ciphertext: payload,
      });
      this.#options.sendFrame({
        kind: 'sent',
        header: {
          requestId: header.requestId,
          conversationId: header.conversationId,
          messageId: header.messageId,
          seq: sent.seq,
          sentAt: sent.sentAt.toISOString(),
        },
        payload: NO_PAYLOAD,
      });
    } catch (error) {
      this.#sendFailure(header.requestId, error);
    } finally {
      this.#sendsInFlight -= 1;
    }
  }

  async #onAck(header: FrameHeaders['ack']): Promise<void> {
    try {
      await acknowledge(this.#options.messaging, this.#options.principal, header.cursors);
    } catch (error) {
      this.#sendFailure(null, error);
    }
  }

  #sendFailure(requestId: number | null, error: unknown): void {
    if (error instanceof AppError) {
      this.#sendError(requestId, error.code, error.message, error.currentEpoch);
      return;
    }
    this.#options.logger.error({ err: error }, 'websocket frame failed');
    this.#sendError(requestId, 'internal_error', 'internal error');
  }

  #sendError(
    requestId: number | null,
    code: ErrorCode,
    message: string,
    currentEpoch?: number,
  ): void {
    this.#options.sendFrame({
      kind: 'error',
      header: {
        requestId,
        code,
        message: message.slice(0, 500),
        ...(currentEpoch === undefined ? {} : { currentEpoch }),
      },
      payload: NO_PAYLOAD,
    });
  }
}
