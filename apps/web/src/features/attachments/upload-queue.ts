import type { FileToSend, ImageThumbnail, MessagingClient } from '@amtsbote/client';
import {
  isCancellation,
  isRetryable,
  isWaitingInOutbox,
  uploadProblemOf,
  type UploadProblem,
} from './upload-problem.js';

/*
 * The files this device is sending, per conversation, one after the other in the order they
 * were chosen (so their messages arrive in that order). Each is encrypted and uploaded by the
 * client (sendFile) with a thumbnail for images; it can be cancelled while it waits or uploads.
 * A refused or failed file stays in the list with its problem, so nothing is lost silently;
 * a failed one can be sent again. Lives as long as the chat screen, so switching conversations
 * does not stop or forget an upload.
 */

export type UploadState = 'queued' | 'preparing' | 'uploading' | 'delivering' | 'failed';

export interface PendingUpload {
  readonly id: number;
  readonly conversationId: string;
  readonly file: File;
  readonly state: UploadState;
  /** Ciphertext bytes the server has, of totalBytes (0 of 0 before the upload starts). */
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** Set when state is failed. */
  readonly problem: UploadProblem | null;
}

/** How an upload left the list (or stayed as failed), for announcements and reloads. */
export interface UploadOutcome {
  readonly kind: 'sent' | 'waiting' | 'cancelled' | 'failed';
  readonly conversationId: string;
  readonly name: string;
}

export type UploadSender = Pick<MessagingClient, 'sendFile' | 'policy'>;
export type ThumbnailMaker = (image: Blob) => Promise<ImageThumbnail | null>;

const NO_UPLOADS: readonly PendingUpload[] = [];
/** The media type of a file whose type the browser does not know. */
const UNKNOWN_TYPE = 'application/octet-stream';

export class UploadQueue {
  readonly #sender: UploadSender;
  readonly #makeThumbnail: ThumbnailMaker;
  #uploads: readonly PendingUpload[] = [];
  /** Each conversation's list, kept while unchanged so that React sees a stable value. */
  #byConversation = new Map<string, readonly PendingUpload[]>();
  readonly #controllers = new Map<number, AbortController>();
  readonly #changeListeners = new Set<() => void>();
  readonly #outcomeListeners = new Set<(outcome: UploadOutcome) => void>();
  #nextId = 1;
  #tail: Promise<void> = Promise.resolve();

  constructor(sender: UploadSender, makeThumbnail: ThumbnailMaker) {
    this.#sender = sender;
    this.#makeThumbnail = makeThumbnail;
  }

  uploadsOf(conversationId: string): readonly PendingUpload[] {
    return this.#byConversation.get(conversationId) ?? NO_UPLOADS;
  }

  /** For useSyncExternalStore: called after every change of any list. */
  subscribe(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onOutcome(listener: (outcome: UploadOutcome) => void): () => void {
    this.#outcomeListeners.add(listener);
    return () => this.#outcomeListeners.delete(listener);
  }

  add(conversationId: string, files: readonly File[]): void {
    for (const file of files) {
      const upload: PendingUpload = {
        id: this.#nextId++,
        conversationId,
        file,
        state: 'queued',
        sentBytes: 0,
        totalBytes: 0,
        problem: null,
      };
      this.#set([...this.#uploads, upload]);
      this.#enqueue(upload.id);
    }
  }

  /** Stops a waiting or uploading file; too late once its message is being delivered. */
  cancel(id: number): void {
    const upload = this.#find(id);
    if (upload === null || upload.state === 'delivering' || upload.state === 'failed') return;
    this.#controllers.get(id)?.abort();
    // A queued file never started: it leaves at once (a running one when sendFile gives up).
    if (upload.state === 'queued') this.#finish(upload, 'cancelled');
  }

  /** Sends a failed file again, from the start. */
  retry(id: number): void {
    const upload = this.#find(id);
    if (upload === null || upload.problem === null || !isRetryable(upload.problem)) return;
    this.#update(id, { state: 'queued', sentBytes: 0, totalBytes: 0, problem: null });
    this.#enqueue(id);
  }

  /** Removes a failed file from the list. */
  dismiss(id: number): void {
    const upload = this.#find(id);
    if (upload?.state === 'failed') this.#remove(id);
  }

  /** Runs after every earlier upload; a failing one does not stop the queue. */
  #enqueue(id: number): void {
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    this.#tail = this.#tail.then(() => this.#run(id, controller.signal));
  }

  async #run(id: number, signal: AbortSignal): Promise<void> {
    const upload = this.#find(id);
    if (upload === null || signal.aborted) return;
    const { file, conversationId } = upload;
    this.#update(id, { state: 'preparing' });
    try {
      const thumbnail = await this.#makeThumbnail(file).catch(() => null);
      const toSend: FileToSend = {
        name: file.name,
        mediaType: file.type === '' ? UNKNOWN_TYPE : file.type,
        sizeBytes: file.size,
        body: file.stream(),
        ...(thumbnail === null ? {} : { thumbnail }),
        signal,
        onProgress: (sentBytes, totalBytes) => {
          const state = sentBytes >= totalBytes ? 'delivering' : 'uploading';
          this.#update(id, { state, sentBytes, totalBytes });
        },
      };
      this.#update(id, { state: 'uploading' });
      await this.#sender.sendFile(conversationId, toSend);
      this.#finish(this.#find(id), 'sent');
    } catch (error) {
      await this.#failed(id, error);
    } finally {
      this.#controllers.delete(id);
    }
  }

  async #failed(id: number, error: unknown): Promise<void> {
    const upload = this.#find(id);
    if (upload === null) return;
    if (isCancellation(error)) {
      this.#finish(upload, 'cancelled');
      return;
    }
    if (isWaitingInOutbox(error)) {
      this.#finish(upload, 'waiting');
      return;
    }
    const maxMegabytes = await this.#sender.policy().then(
      (policy) => policy.maxFileMegabytes,
      () => null,
    );
    const problem = uploadProblemOf(error, upload.file.name, maxMegabytes);
    this.#update(id, { state: 'failed', problem });
    this.#emit({ kind: 'failed', conversationId: upload.conversationId, name: upload.file.name });
  }

  #finish(upload: PendingUpload | null, kind: 'sent' | 'waiting' | 'cancelled'): void {
    if (upload === null) return;
    this.#remove(upload.id);
    this.#emit({ kind, conversationId: upload.conversationId, name: upload.file.name });
  }

  #find(id: number): PendingUpload | null {
    return this.#uploads.find((u) => u.id === id) ?? null;
  }

  #update(
    id: number,
    change: Partial<Pick<PendingUpload, 'state' | 'sentBytes' | 'totalBytes' | 'problem'>>,
  ): void {
    this.#set(this.#uploads.map((u) => (u.id === id ? { ...u, ...change } : u)));
  }

  #remove(id: number): void {
    this.#set(this.#uploads.filter((u) => u.id !== id));
  }

  #set(uploads: readonly PendingUpload[]): void {
    const before = this.#byConversation;
    this.#uploads = uploads;
    this.#byConversation = new Map();
    for (const conversationId of new Set(uploads.map((u) => u.conversationId))) {
      const list = uploads.filter((u) => u.conversationId === conversationId);
      const previous = before.get(conversationId);
      const isSame =
        previous !== undefined &&
        previous.length === list.length &&
        previous.every((u, i) => u === list[i]);
      this.#byConversation.set(conversationId, isSame ? previous : list);
    }
    for (const listener of this.#changeListeners) listener();
  }

  #emit(outcome: UploadOutcome): void {
    for (const listener of this.#outcomeListeners) listener(outcome);
  }
}
