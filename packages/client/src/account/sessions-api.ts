import {
  deviceViewSchema,
  sessionViewSchema,
  type DeviceKind,
  type DevicePlatform,
  type DeviceView,
  type SessionView,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { HttpApi } from '../http-api.js';

/*
 * The user's open sessions (GET /api/me/sessions, DELETE /api/me/sessions/:id). A session names
 * its device only by id and name; its platform and kind come from the user's device list, read
 * alongside.
 */

const sessionsSchema = z.object({ sessions: z.array(sessionViewSchema) });
const devicesSchema = z.object({ devices: z.array(deviceViewSchema) });
const noContentSchema = z.null();

/** A session with what the device list says about its device (null: not in that list). */
export interface AccountSessionEntry extends SessionView {
  readonly platform: DevicePlatform | null;
  readonly deviceKind: DeviceKind | null;
}

/**
 * Each session with its device's platform and kind; the current session first, the others by
 * last use, the most recent first.
 */
export function sessionEntries(
  sessions: readonly SessionView[],
  devices: readonly DeviceView[],
): AccountSessionEntry[] {
  const deviceById = new Map(devices.map((device) => [device.id, device]));
  return sessions
    .map((session) => {
      const device = deviceById.get(session.deviceId);
      return {
        ...session,
        platform: device?.platform ?? null,
        deviceKind: device?.kind ?? null,
      };
    })
    .sort((a, b) => {
      if (a.isCurrent !== b.isCurrent) return a.isCurrent ? -1 : 1;
      return Date.parse(b.lastUsedAt) - Date.parse(a.lastUsedAt);
    });
}

export class SessionsApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  /** The user's live sessions, see sessionEntries. */
  async list(): Promise<AccountSessionEntry[]> {
    const [sessions, devices] = await Promise.all([
      this.#http.request('GET', '/api/me/sessions', undefined, sessionsSchema),
      this.#http.request('GET', '/api/me/devices', undefined, devicesSchema),
    ]);
    return sessionEntries(sessions.sessions, devices.devices);
  }

  /**
   * Ends one of the user's sessions; its device's connections close at once. Ending the
   * current one signs this device out (the caller then wipes what it keeps). 404
   * session_not_found when it has ended already.
   */
  async end(sessionId: string): Promise<void> {
    await this.#http.request(
      'DELETE',
      `/api/me/sessions/${encodeURIComponent(sessionId)}`,
      undefined,
      noContentSchema,
    );
  }
}
