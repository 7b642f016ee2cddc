import type { InspectionRecord } from '../ipc.js';
import { MAX_INSPECTION_RECORDS } from '../ipc.js';
import type { MediaKind } from '../sfu.js';

const FLUSH_INTERVAL_MS = 50;
const MAX_PAYLOAD_BYTES = 3 * 1024;
/** A batch stays well under the IPC message limit. */
const MAX_BATCH_CHARS = 192 * 1024;

/**
 * Test hook (ADR 0017): every payload the worker forwards, batched to the parent, so tests can
 * confirm that what leaves the SFU is exactly what came in (later: SFrame ciphertext). Records
 * too large to inspect are counted as dropped, so a test can tell it did not see everything.
 */
export class PayloadInspector {
  readonly #send: (records: InspectionRecord[], droppedCount: number) => void;
  #records: InspectionRecord[] = [];
  #droppedCount = 0;
  #chars = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(send: (records: InspectionRecord[], droppedCount: number) => void) {
    this.#send = send;
    this.#timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  record(
    roomId: string,
    publisherId: string,
    subscriberId: string,
    kind: MediaKind,
    payload: Buffer,
  ): void {
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.#droppedCount += 1;
      return;
    }
    const record = { roomId, publisherId, subscriberId, kind, payload: payload.toString('base64') };
    const chars =
      record.payload.length + roomId.length + publisherId.length + subscriberId.length + 96;
    if (this.#records.length >= MAX_INSPECTION_RECORDS || this.#chars + chars > MAX_BATCH_CHARS) {
      this.flush();
    }
    this.#records.push(record);
    this.#chars += chars;
  }

  flush(): void {
    if (this.#records.length === 0 && this.#droppedCount === 0) return;
    this.#send(this.#records, this.#droppedCount);
    this.#records = [];
    this.#droppedCount = 0;
    this.#chars = 0;
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
