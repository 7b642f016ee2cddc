import type { DeviceView, SessionView } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { HttpApi } from '../http-api.js';
import { SessionsApi, sessionEntries } from './sessions-api.js';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function session(
  n: number,
  deviceNumber: number,
  lastUsedAt: string,
  isCurrent = false,
): SessionView {
  return {
    id: id(n),
    deviceId: id(100 + deviceNumber),
    deviceName: `Device ${deviceNumber}`,
    createdAt: '2026-01-01T08:00:00.000Z',
    lastUsedAt,
    expiresAt: '2026-03-01T08:00:00.000Z',
    isCurrent,
  };
}

function device(deviceNumber: number, platform: DeviceView['platform']): DeviceView {
  return {
    id: id(100 + deviceNumber),
    name: `Device ${deviceNumber}`,
    platform,
    kind: 'personal',
    createdAt: '2026-01-01T08:00:00.000Z',
    lastSeenAt: '2026-01-02T08:00:00.000Z',
    revokedAt: null,
    isCurrent: false,
  };
}

describe('sessionEntries', () => {
  it('puts the current session first and the others by last use, the most recent first', () => {
    const entries = sessionEntries(
      [
        session(1, 1, '2026-01-03T08:00:00.000Z'),
        session(2, 2, '2026-01-05T08:00:00.000Z'),
        session(3, 3, '2026-01-01T08:00:00.000Z', true),
        session(4, 4, '2026-01-04T08:00:00.000Z'),
      ],
      [],
    );
    expect(entries.map((e) => e.id)).toEqual([id(3), id(2), id(4), id(1)]);
  });

  it("gives each session its device's platform and kind, and null for a device not listed", () => {
    const entries = sessionEntries(
      [session(1, 1, '2026-01-03T08:00:00.000Z'), session(2, 2, '2026-01-02T08:00:00.000Z')],
      [device(1, 'android')],
    );
    expect(entries.map((e) => [e.platform, e.deviceKind])).toEqual([
      ['android', 'personal'],
      [null, null],
    ]);
  });
});

describe('SessionsApi', () => {
  it('reads sessions and devices and ends a session by DELETE on its id', async () => {
    const calls: string[] = [];
    const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      calls.push(
        `${init?.method ?? 'GET'} ${url.pathname} ${new Headers(init?.headers).get('authorization') ?? ''}`,
      );
      if (url.pathname === '/api/me/sessions') {
        return Promise.resolve(
          Response.json({ sessions: [session(1, 1, '2026-01-03T08:00:00.000Z', true)] }),
        );
      }
      if (url.pathname === '/api/me/devices') {
        return Promise.resolve(Response.json({ devices: [device(1, 'web')] }));
      }
      return Promise.resolve(new Response(null, { status: 204 }));
    };
    const api = new SessionsApi(
      new HttpApi({ baseUrl: 'http://amtsbote.test', fetch, token: 't' }),
    );
    const entries = await api.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.platform).toBe('web');
    await api.end(id(7));
    expect(calls.sort()).toEqual([
      `DELETE /api/me/sessions/${id(7)} Bearer t`,
      'GET /api/me/devices Bearer t',
      'GET /api/me/sessions Bearer t',
    ]);
  });

  it('refuses a session list of the wrong shape as unexpected_response', async () => {
    const fetch = (): Promise<Response> =>
      Promise.resolve(Response.json({ sessions: [{ id: 1 }], devices: [] }));
    const api = new SessionsApi(new HttpApi({ baseUrl: 'http://amtsbote.test', fetch }));
    await expect(api.list()).rejects.toMatchObject({ code: 'unexpected_response' });
  });
});
