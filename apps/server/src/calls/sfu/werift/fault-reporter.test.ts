import { describe, expect, it } from 'vitest';
import type { WorkerFault } from '../ipc.js';
import { parseWorkerMessage } from '../ipc.js';
import { asParticipantId, asRoomId } from '../sfu.js';
import { FaultReporter } from './fault-reporter.js';

describe('FaultReporter', () => {
  const scope = {
    roomId: asRoomId('r'),
    participantId: asParticipantId('p'),
    role: 'subscriber' as const,
  };

  it('catches a throw in a guarded handler and reports it as a valid worker message', () => {
    const sent: WorkerFault[] = [];
    const faults = new FaultReporter(
      (fault) => sent.push(fault),
      () => 0,
    ).scoped(scope);
    const handler = faults.guard('pli', (value: number) => {
      if (value > 1) throw new TypeError(`bad value ${'x'.repeat(500)}`);
    });
    expect(() => handler(1)).not.toThrow();
    expect(() => handler(2)).not.toThrow();
    expect(sent).toHaveLength(1);
    const [fault] = sent;
    expect(fault).toMatchObject({ ...scope, type: 'fault', context: 'pli', count: 1 });
    expect(fault?.error.startsWith('TypeError: bad value')).toBe(true);
    expect(fault?.error.length).toBeLessThanOrEqual(200);
    expect(parseWorkerMessage(fault)).toEqual(fault);
  });

  it('counts repeats and reports them at most every 10 s per connection and context', () => {
    const sent: WorkerFault[] = [];
    let nowMs = 0;
    const reporter = new FaultReporter(
      (fault) => sent.push(fault),
      () => nowMs,
    );
    const faults = reporter.scoped(scope);
    const other = reporter.scoped({ ...scope, participantId: asParticipantId('q') });
    for (let index = 0; index < 100; index += 1) faults.report('forward_rtp', new Error('x'));
    other.report('forward_rtp', new Error('x'));
    faults.report('send_rtp', 'not an error');
    expect(sent.map((fault) => [fault.participantId, fault.context, fault.count])).toEqual([
      ['p', 'forward_rtp', 1],
      ['q', 'forward_rtp', 1],
      ['p', 'send_rtp', 1],
    ]);
    expect(sent[2]?.error).toBe('non-error thrown: string');
    nowMs = 10_000;
    faults.report('forward_rtp', new Error('x'));
    expect(sent.at(-1)).toMatchObject({ participantId: 'p', context: 'forward_rtp', count: 100 });
  });

  it('never throws into werift, even when sending fails', () => {
    const faults = new FaultReporter(
      () => {
        throw new Error('channel closed');
      },
      () => 0,
    ).scoped(scope);
    expect(() =>
      faults.guard('ready', () => {
        throw new Error('boom');
      })(),
    ).not.toThrow();
  });
});
