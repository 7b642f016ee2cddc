import {
  EnvelopeError,
  decodeFrame,
  type ErrorCode,
  type Frame,
  type FrameHeaders,
} from '@amtsbote/protocol';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { AppError, assertNever } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { relayEphemeral } from '../messaging/ephemeral-relay.js';
import type { MessagingContext } from '../messaging/messaging-context.js';
import { sendMessage } from '../messaging/message-service.js';
import { acknowledge } from '../messaging/sync-service.js';
import { TokenBucket } from './token-bucket.js';

/** After this many malformed frames the connection is closed: the client is broken or hostile. */
export const MAX_INVALID_FRAMES = 10;
/** Sends of one connection being stored at the same time; more are refused until some finish. */
export const MAX_SENDS_IN_FLIGHT = 32;
/**
 * Ephemeral frames (typing) of one connection: this many at once, then this many per second.
 * A client refreshes a typing indicator every few seconds, so only a broken or hostile one
 * reaches the limit; its excess is dropped, after one too_many_requests answer.
 */
export const EPHEMERAL_BURST = 20;
export const EPHEMERAL_PER_SECOND = 5;

export interface FrameHandlerOptions {
  readonly messaging: MessagingContext;
  readonly logger: Logger;
  readonly principal: Principal;
  readonly sendFrame: (frame: Frame) => void;
  /** Each send's time from its frame to its answer, for the delivery latency metric. */
  readonly onSendSettled?: (seconds: number, outcome: 'sent' | 'refused') => void;
  /** Closes the connection with 1008. */
  readonly closeForPolicy: (reason: string) => void;
}

const NO_PAYLOAD = new Uint8Array();

/**
 * Handles the binary frames of one authenticated connection: 'send' (answered by 'sent' or
 * 'error' with the request id), 'ack' and 'ephemeral' (relayed, rate-limited, never stored).
 * A malformed frame gets an invalid_frame error and the connection stays usable; many of them
 * close it. Never throws.
 */
export class FrameHandler {
  readonly #options: FrameHandlerOptions;
  #invalidFrames = 0;
  #sendsInFlight = 0;
  readonly #ephemeralBucket: TokenBucket;
  #isEphemeralThrottled = false;

  constructor(options: FrameHandlerOptions) {
    this.#options = options;
    this.#ephemeralBucket = new TokenBucket({
      capacity: EPHEMERAL_BURST,
      refillPerSecond: EPHEMERAL_PER_SECOND,
      nowMs: () => options.messaging.clock.now().getTime(),
    });
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
      case 'ephemeral':
        this.#onEphemeral(frame.header, frame.payload);
        return;
      case 'event':
      case 'ephemeral_event':
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
    const startedAt = performance.now();
    let outcome: 'sent' | 'refused' = 'refused';
    try {
      const sent = await sendMessage(this.#options.messaging, this.#options.principal, {
        conversationId: header.conversationId,
        messageId: header.messageId,
        epoch: header.epoch,
        ciphertext: payload,
        intent: header.intent,
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
      outcome = 'sent';
    } catch (error) {
      this.#sendFailure(header.requestId, error);
    } finally {
      this.#sendsInFlight -= 1;
      this.#options.onSendSettled?.((performance.now() - startedAt) / 1000, outcome);
    }
  }

  async #onAck(header: FrameHeaders['ack']): Promise<void> {
    try {
      await acknowledge(this.#options.messaging, this.#options.principal, header.cursors);
    } catch (error) {
      this.#sendFailure(null, error);
    }
  }

  #onEphemeral(header: FrameHeaders['ephemeral'], payload: Uint8Array): void {
    if (!this.#ephemeralBucket.tryTake()) {
      // One answer per throttled stretch: a flood is not mirrored back to its sender.
      if (!this.#isEphemeralThrottled) {
        this.#sendError(null, 'too_many_requests', 'too many ephemeral messages');
      }
      this.#isEphemeralThrottled = true;
      return;
    }
    this.#isEphemeralThrottled = false;
    void this.#relayEphemeral(header, payload);
  }

  /** Best effort, unanswered when relayed; a refusal gets an error without a request id. */
  async #relayEphemeral(header: FrameHeaders['ephemeral'], payload: Uint8Array): Promise<void> {
    try {
      await relayEphemeral(this.#options.messaging, this.#options.principal, {
        conversationId: header.conversationId,
        epoch: header.epoch,
        ciphertext: payload,
      });
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
