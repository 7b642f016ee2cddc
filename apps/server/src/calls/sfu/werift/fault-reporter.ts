import type { WorkerFault } from '../ipc.js';
import type { ConnectionRole, ParticipantId, RoomId } from '../sfu.js';

/** Repeats of one fault are counted and reported at most this often. */
const REPORT_INTERVAL_MS = 10_000;
const MAX_ERROR_CHARS = 200;
/** Bounds the memory of which faults were seen; forgetting only means an earlier report. */
const MAX_TRACKED_FAULTS = 10_000;

/** Where a fault happened: a room, and within it a participant's connection when known. */
export interface FaultScope {
  readonly roomId: RoomId;
  readonly participantId: ParticipantId | null;
  readonly role: ConnectionRole | null;
}

/** The fault reporting of one scope, handed to the code that runs in werift's callbacks. */
export interface FaultSink {
  /** `handler`, but a throw is reported under `context` instead of reaching werift. */
  guard<A extends unknown[]>(context: string, handler: (...args: A) => void): (...args: A) => void;
  report(context: string, error: unknown): void;
}

/**
 * Catches what our code throws inside werift's callbacks (packets, RTCP, connection state,
 * timers) and reports it to the parent, per connection, instead of letting it end the worker
 * and every call on it. werift itself swallows throws on the RTP/RTCP path without a word
 * (only under DEBUG), so without this a bug there would silently drop media. Repeats are
 * counted and reported at most every REPORT_INTERVAL_MS per scope and context.
 */
export class FaultReporter {
  readonly #send: (fault: WorkerFault) => void;
  readonly #now: () => number;
  readonly #seen = new Map<string, { reportedAtMs: number; unreported: number }>();

  constructor(send: (fault: WorkerFault) => void, now: () => number) {
    this.#send = send;
    this.#now = now;
  }

  scoped(scope: FaultScope): FaultSink {
    return {
      guard:
        (context, handler) =>
        (...args) => {
          try {
            handler(...args);
          } catch (error) {
            this.report(scope, context, error);
          }
        },
      report: (context, error) => this.report(scope, context, error),
    };
  }

  report(scope: FaultScope, context: string, error: unknown): void {
    const key = `${scope.roomId}\u0000${scope.participantId ?? ''}\u0000${scope.role ?? ''}\u0000${context}`;
    const nowMs = this.#now();
    const seen = this.#seen.get(key);
    if (seen !== undefined && nowMs - seen.reportedAtMs < REPORT_INTERVAL_MS) {
      seen.unreported += 1;
      return;
    }
    if (this.#seen.size >= MAX_TRACKED_FAULTS) this.#seen.clear();
    this.#seen.set(key, { reportedAtMs: nowMs, unreported: 0 });
    try {
      this.#send({
        type: 'fault',
        roomId: scope.roomId,
        participantId: scope.participantId,
        role: scope.role,
        context,
        error: describe(error),
        count: 1 + (seen?.unreported ?? 0),
      });
    } catch {
      // Reporting must not throw into werift either; the parent is gone or the message refused.
    }
  }
}

/** The error's name and the start of its message: no stack, no values beyond that. */
function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `non-error thrown: ${typeof error}`;
  return text.slice(0, MAX_ERROR_CHARS);
}
