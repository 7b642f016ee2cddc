/*
 * At most one push per device per window. The first wake-up of a quiet device goes out at once
 * and opens a window; wake-ups inside it are folded into one that goes out when the window
 * ends (and opens the next), unless the device connected meanwhile. So a busy conversation
 * costs a device one push per window, and the last activity is never left without one.
 */

/** The window of a device: one push at its start, at most one more at its end. */
export const PUSH_COALESCE_WINDOW_MS = 30_000;

export interface PushCoalescerOptions {
  readonly windowMs: number;
  /** Called for each push that may go out now. */
  readonly emit: (deviceId: string) => void;
  /** Asked before a folded push goes out at the end of a window. */
  readonly isStillWanted: (deviceId: string) => boolean;
}

interface Window {
  readonly timer: NodeJS.Timeout;
  hasFolded: boolean;
}

export class PushCoalescer {
  readonly #options: PushCoalescerOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: PushCoalescerOptions) {
    this.#options = options;
  }

  request(deviceId: string): void {
    const window = this.#windows.get(deviceId);
    if (window !== undefined) {
      window.hasFolded = true;
      return;
    }
    this.#open(deviceId);
    this.#options.emit(deviceId);
  }

  /** Devices with an open window, for tests and metrics. */
  get openWindows(): number {
    return this.#windows.size;
  }

  close(): void {
    for (const window of this.#windows.values()) clearTimeout(window.timer);
    this.#windows.clear();
  }

  #open(deviceId: string): void {
    const timer = setTimeout(() => {
      this.#end(deviceId);
    }, this.#options.windowMs);
    // A pending window must not keep the process alive.
    timer.unref();
    this.#windows.set(deviceId, { timer, hasFolded: false });
  }

  #end(deviceId: string): void {
    const window = this.#windows.get(deviceId);
    this.#windows.delete(deviceId);
    if (window?.hasFolded !== true || !this.#options.isStillWanted(deviceId)) return;
    this.#open(deviceId);
    this.#options.emit(deviceId);
  }
}
