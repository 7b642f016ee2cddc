import { describe, expect, it } from 'vitest';
import { MessagingEventHub, type MessagingEvent } from './messaging-events.js';

const event = (code: string): MessagingEvent => ({
  type: 'engine_error',
  task: 'test',
  code,
  message: code,
});

describe('MessagingEventHub', () => {
  it('keeps delivering to other listeners when one throws', () => {
    const hub = new MessagingEventHub();
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('broken listener');
    });
    hub.subscribe((e) => seen.push(e.type));
    hub.emit(event('a'));
    expect(seen).toEqual(['engine_error']);
  });

  it('iterates events emitted after the call, before the first next(), until aborted', async () => {
    const hub = new MessagingEventHub();
    const controller = new AbortController();
    hub.emit(event('before'));
    const events = hub.events(controller.signal);
    hub.emit(event('first'));
    hub.emit(event('second'));
    const codes: string[] = [];
    for await (const e of events) {
      if (e.type === 'engine_error') codes.push(e.code);
      if (codes.length === 2) controller.abort();
    }
    expect(codes).toEqual(['first', 'second']);
    hub.emit(event('after'));
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });
});
