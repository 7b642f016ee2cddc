import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushCoalescer } from './push-coalescer.js';

const WINDOW_MS = 30_000;

describe('PushCoalescer', () => {
  let emitted: string[];
  let connected: Set<string>;
  let coalescer: PushCoalescer;

  beforeEach(() => {
    vi.useFakeTimers();
    emitted = [];
    connected = new Set();
    coalescer = new PushCoalescer({
      windowMs: WINDOW_MS,
      emit: (deviceId) => emitted.push(deviceId),
      isStillWanted: (deviceId) => !connected.has(deviceId),
    });
  });
  afterEach(() => {
    coalescer.close();
    vi.useRealTimers();
  });

  it('lets the first wake-up of a quiet device out at once', () => {
    coalescer.request('a');
    expect(emitted).toEqual(['a']);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(emitted).toEqual(['a']);
    expect(coalescer.openWindows).toBe(0);
  });

  it('folds wake-ups inside a window into one at its end, then opens the next window', () => {
    coalescer.request('a');
    for (let i = 0; i < 50; i += 1) coalescer.request('a');
    expect(emitted).toEqual(['a']);
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(emitted).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(emitted).toEqual(['a', 'a']);
    coalescer.request('a');
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(emitted).toEqual(['a', 'a']);
    vi.advanceTimersByTime(1);
    expect(emitted).toEqual(['a', 'a', 'a']);
  });

  it('keeps devices apart', () => {
    coalescer.request('a');
    coalescer.request('b');
    coalescer.request('a');
    expect(emitted).toEqual(['a', 'b']);
  });

  it('drops the folded wake-up of a device that connected meanwhile', () => {
    coalescer.request('a');
    coalescer.request('a');
    connected.add('a');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(emitted).toEqual(['a']);
    expect(coalescer.openWindows).toBe(0);
  });

  it('emits nothing after close', () => {
    coalescer.request('a');
    coalescer.request('a');
    coalescer.close();
    vi.advanceTimersByTime(WINDOW_MS);
    expect(emitted).toEqual(['a']);
  });
});
