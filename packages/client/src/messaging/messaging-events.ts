import type { MessageContent, SyncEventType } from '@amtsbote/protocol';

/*
 * What the engine tells the UI, CLI and tests. Each event is emitted once, after the state it
 * describes is stored. A listener that throws does not disturb the engine or other listeners.
 */

export interface MemberRef {
  readonly userId: string;
  readonly deviceId: string;
}

export type MessagingEvent =
  | {
      readonly type: 'message';
      readonly conversationId: string;
      readonly messageId: string;
      readonly sender: MemberRef;
      readonly content: MessageContent;
      readonly seq: number;
      readonly sentAt: string;
      /** Sent by this device. */
      readonly isOwn: boolean;
    }
  | {
      readonly type: 'membership_changed';
      readonly conversationId: string;
      /** The epoch the commit started. */
      readonly epoch: number;
      readonly committer: MemberRef | null;
      readonly added: readonly MemberRef[];
      readonly removed: readonly MemberRef[];
      /** This device was removed: the conversation reads nothing more. */
      readonly isSelfRemoved: boolean;
    }
  | {
      readonly type: 'conversation_joined';
      readonly conversationId: string;
      readonly epoch: number;
      readonly members: readonly MemberRef[];
    }
  | {
      /**
       * This device's user is no longer a member (they left, or an owner removed them): the
       * group state is deleted, the timeline stays readable.
       */
      readonly type: 'conversation_left';
      readonly conversationId: string;
    }
  | {
      readonly type: 'decrypt_failed';
      readonly conversationId: string;
      readonly seq: number;
      readonly eventType: SyncEventType;
      readonly messageId: string | null;
      readonly senderDeviceId: string;
      /** An MlsGroupError code, 'invalid_content', or one of the engine's own checks. */
      readonly code: string;
    }
  | {
      /** A user presented another identity key than the one pinned: show it, never hide it. */
      readonly type: 'identity_key_changed';
      readonly userId: string;
      readonly pinnedKey: Uint8Array;
      readonly presentedKey: Uint8Array;
    }
  | {
      readonly type: 'send_failed';
      readonly conversationId: string;
      readonly messageId: string;
      readonly code: string;
    }
  | {
      readonly type: 'connection_changed';
      readonly state: 'connected' | 'disconnected' | 'stopped';
      /** The WebSocket close code, when the connection ended. */
      readonly closeCode: number | null;
      /**
       * The close frame's reason, when the connection ended and the server gave one; for a
       * protocol mismatch 'client_too_old' or 'client_too_new' (the server is too old).
       */
      readonly closeReason?: string | null;
    }
  | {
      /** Messages from before this device joined came from the user's history backup. */
      readonly type: 'history_restored';
      readonly conversationId: string;
      /** Messages new to this device (merged ones that it held already not counted). */
      readonly count: number;
    }
  | {
      /** A block of the history backup did not open or was malformed: nothing taken from it. */
      readonly type: 'history_block_refused';
      readonly conversationId: string;
      readonly block: number;
      readonly code: string;
    }
  | {
      /** This device stored changed blocks of the conversation in the user's history backup. */
      readonly type: 'history_backed_up';
      readonly conversationId: string;
      readonly blocks: readonly number[];
    }
  | {
      /** A background task (sync, reconnect, key package upload) failed; it is retried later. */
      readonly type: 'engine_error';
      readonly task: string;
      readonly code: string;
      readonly message: string;
    }
  | {
      /**
       * Another device's typing indicator started, was refreshed or ended (by its sender, or
       * because no refresh came in time). Live only: never stored, not in the timeline.
       */
      readonly type: 'typing';
      readonly conversationId: string;
      readonly userId: string;
      readonly deviceId: string;
      readonly isTyping: boolean;
      /** When the indicator ends unless refreshed; null once it ended. */
      readonly expiresAt: string | null;
    }
  | {
      /**
       * A recipient started downloading one of the user's transfers. Live only; the transfer
       * list (listTransfers) has every download.
       */
      readonly type: 'transfer_downloaded';
      readonly transferId: string;
      /** Downloads of the transfer so far, this one included. */
      readonly downloadCount: number;
    };

export type MessagingEventListener = (event: MessagingEvent) => void;

export class MessagingEventHub {
  readonly #listeners = new Set<MessagingEventListener>();

  subscribe(listener: MessagingEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: MessagingEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A broken listener must not stop delivery to the others or the engine itself.
      }
    }
  }

  /**
   * Every event from the moment of this call (not of the first next()), until the iterator is
   * returned (a `break` out of for-await) or the signal aborts.
   */
  events(signal?: AbortSignal): AsyncIterableIterator<MessagingEvent> {
    const buffer: MessagingEvent[] = [];
    let waiting: ((result: IteratorResult<MessagingEvent, undefined>) => void) | null = null;
    let isDone = false;
    const unsubscribe = this.subscribe((event) => {
      if (waiting === null) {
        buffer.push(event);
        return;
      }
      const wake = waiting;
      waiting = null;
      wake({ value: event, done: false });
    });
    const finish = (): void => {
      if (isDone) return;
      isDone = true;
      unsubscribe();
      waiting?.({ value: undefined, done: true });
      waiting = null;
    };
    if (signal?.aborted === true) finish();
    signal?.addEventListener('abort', finish, { once: true });
    const iterator: AsyncIterableIterator<MessagingEvent> = {
      next: () => {
        const event = buffer.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (isDone) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

/** The machine-readable code of an error, for events and failure records. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    if (typeof code === 'string') return code;
  }
  return 'unexpected_error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
