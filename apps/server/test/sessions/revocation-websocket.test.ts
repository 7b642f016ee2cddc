import { randomToken } from '@amtsbote/crypto';
import {
  PROTOCOL_VERSION,
  WS_CLOSE,
  WS_MAX_HELLO_BYTES,
  type SessionGrant,
} from '@amtsbote/protocol';
import { WebSocket } from 'ws';
import { ManualClock } from '../../src/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { call, createUser, disableUserOverHttp, login, noContent } from './identity-fixtures.js';
import { connectAuthenticated, openSocket, pong, upgradeStatus, within } from './ws-test-client.js';

const ORG = 'stadt-musterstadt';
const PASSWORD = 'lange Passphrase fuer Tests';
const PUBLIC_URL = 'https://amtsbote.example.de';
/** The gateway's default hello timeout is 10 s; a little slack for a busy machine. */
const HELLO_TIMEOUT_WAIT_MS = 12_000;
/** The bound the product promises for closing connections of ended sessions. */
const CLOSE_WITHIN_MS = 5_000;
/**
 * The event-path server re-checks storage only every 10 minutes, so in its tests nothing but
 * the in-process session event can close a connection.
 */
const NO_LIVENESS_CHECK_MS = 600_000;

async function newMemberWithDevices(
  server: TestServer,
  username: string,
  deviceNames: readonly string[],
): Promise<SessionGrant[]> {
  await createUser(server, { org: ORG, username, password: PASSWORD });
  const grants: SessionGrant[] = [];
  for (const deviceName of deviceNames) {
    grants.push(await login(server, { org: ORG, username, password: PASSWORD, deviceName }));
  }
  return grants;
}

describe('WebSocket gateway', () => {
  let server: TestServer;
  let admin: SessionGrant;

  beforeAll(async () => {
    server = await startTestServer({
      websocketLivenessIntervalMs: NO_LIVENESS_CHECK_MS,
      env: { AMTSBOTE_PUBLIC_URL: PUBLIC_URL },
    });
    admin = await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  describe('handshake', () => {
    it('welcomes a hello with a valid token and names its session and device', async () => {
      const connection = await connectAuthenticated(server.wsUrl, admin.token);
      expect(connection.welcome).toEqual({
        type: 'welcome',
        protocolVersion: PROTOCOL_VERSION,
        sessionId: admin.sessionId,
        deviceId: admin.device.id,
      });
      connection.socket.close();
    });

    it('rejects an unknown token as unauthenticated and closes with its code', async () => {
      const connection = await openSocket(server.wsUrl);
      connection.sendHello(randomToken());
      expect(await connection.firstMessage).toEqual({ type: 'reject', reason: 'unauthenticated' });
      const { code } = await within(connection.closed, CLOSE_WITHIN_MS, 'closing the socket');
      expect(code).toBe(WS_CLOSE.unauthenticated);
    });

    it.each([
      { version: 0, reason: 'client_too_old' },
      { version: PROTOCOL_VERSION + 1, reason: 'client_too_new' },
    ])(
      'rejects protocol version $version as $reason and closes with 4000',
      async ({ version, reason }) => {
        const connection = await openSocket(server.wsUrl);
        connection.sendHello(admin.token, version);
        expect(await connection.firstMessage).toEqual({ type: 'reject', reason });
        const { code } = await within(connection.closed, CLOSE_WITHIN_MS, 'closing the socket');
        expect(code).toBe(4000);
        expect(WS_CLOSE.protocolMismatch).toBe(4000);
      },
    );

    const validHello = (): string =>
      JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: admin.token });
    const FIRST_FRAMES: readonly (readonly [string, (socket: WebSocket) => void])[] = [
      [
        'not a hello',
        (socket) => {
          socket.send(JSON.stringify({ type: 'subscribe', token: admin.token }));
        },
      ],
      [
        'a binary frame holding a valid hello',
        (socket) => {
          socket.send(Buffer.from(validHello()), { binary: true });
        },
      ],
      [
        // Trailing whitespace keeps the JSON valid: only the size is wrong.
        `a valid hello padded beyond ${WS_MAX_HELLO_BYTES} bytes`,
        (socket) => {
          socket.send(validHello() + ' '.repeat(WS_MAX_HELLO_BYTES));
        },
      ],
    ];
    it.each(FIRST_FRAMES)(
      'closes with 1008 and no welcome when the first frame is %s',
      async (_name, send) => {
        const connection = await openSocket(server.wsUrl);
        send(connection.socket);
        const { code } = await within(connection.closed, CLOSE_WITHIN_MS, 'closing the socket');
        expect(code).toBe(WS_CLOSE.policyViolation);
        await expect(connection.firstMessage).rejects.toThrow('closed before any message');
      },
    );

    it(
      'closes with the hello-timeout code when no hello arrives in time',
      async () => {
        const connection = await openSocket(server.wsUrl);
        const { code } = await within(connection.closed, HELLO_TIMEOUT_WAIT_MS, 'hello timeout');
        expect(code).toBe(WS_CLOSE.helloTimeout);
      },
      HELLO_TIMEOUT_WAIT_MS + 5_000,
    );

    it('refuses the upgrade with 403 for a browser origin other than the public URL', async () => {
      for (const origin of [
        'https://evil.example',
        'http://amtsbote.example.de',
        'https://amtsbote.example.de.evil.example',
        'null',
      ]) {
        expect(await upgradeStatus(server.wsUrl, { origin })).toBe(403);
      }
      expect(await upgradeStatus(server.wsUrl, { origin: PUBLIC_URL })).toBeNull();
    });

    it('accepts a page of the host it connects to, under a name other than the public URL', async () => {
      // The page was opened at http://127.0.0.1:<port>, the server's own address.
      expect(
        await upgradeStatus(server.wsUrl, { origin: new URL(server.baseUrl).origin }),
      ).toBeNull();
      const otherPort = new URL(server.baseUrl);
      otherPort.port = String(Number(otherPort.port) + 1);
      expect(await upgradeStatus(server.wsUrl, { origin: otherPort.origin })).toBe(403);
    });
  });

  describe('revocation through session events', () => {
    it('closes the connection of a session ended over HTTP and keeps the others', async () => {
      const [laptop, phone] = await newMemberWithDevices(server, 'ende-sitzung', [
        'Laptop',
        'Telefon',
      ]);
      const laptopSocket = await connectAuthenticated(server.wsUrl, laptop!.token);
      const phoneSocket = await connectAuthenticated(server.wsUrl, phone!.token);

      await call(
        server,
        phone!.token,
        'DELETE',
        `/api/me/sessions/${laptop!.sessionId}`,
        noContent,
      );

      const { code } = await within(laptopSocket.closed, CLOSE_WITHIN_MS, 'closing the socket');
      expect(code).toBe(WS_CLOSE.sessionEnded);
      await pong(phoneSocket.socket);
      expect(phoneSocket.socket.readyState).toBe(WebSocket.OPEN);
      phoneSocket.socket.close();
    });

    it('closes the connection of a device the user revokes', async () => {
      const [laptop, phone] = await newMemberWithDevices(server, 'geraet-weg', [
        'Laptop',
        'Telefon',
      ]);
      const phoneSocket = await connectAuthenticated(server.wsUrl, phone!.token);
      const laptopSocket = await connectAuthenticated(server.wsUrl, laptop!.token);

      await call(
        server,
        laptop!.token,
        'POST',
        `/api/me/devices/${phone!.device.id}/revoke`,
        noContent,
      );

      const { code } = await within(phoneSocket.closed, CLOSE_WITHIN_MS, 'closing the socket');
      expect(code).toBe(WS_CLOSE.deviceRevoked);
      await pong(laptopSocket.socket);
      expect(laptopSocket.socket.readyState).toBe(WebSocket.OPEN);
      laptopSocket.socket.close();
    });

    it('closes every connection of a user an admin disables within 5 seconds', async () => {
      const grants = await newMemberWithDevices(server, 'gesperrt', ['Laptop', 'Telefon']);
      const sockets = await Promise.all(
        grants.map((grant) => connectAuthenticated(server.wsUrl, grant.token)),
      );
      const adminSocket = await connectAuthenticated(server.wsUrl, admin.token);

      await disableUserOverHttp(server, admin.token, grants[0]!.user.id);

      const closes = await within(
        Promise.all(sockets.map((s) => s.closed)),
        CLOSE_WITHIN_MS,
        'closing both sockets of the disabled user',
      );
      expect(closes.map((c) => c.code)).toEqual([WS_CLOSE.userDisabled, WS_CLOSE.userDisabled]);
      await pong(adminSocket.socket);
      expect(adminSocket.socket.readyState).toBe(WebSocket.OPEN);
      adminSocket.socket.close();
    });
  });
});

describe('WebSocket liveness check', () => {
  let server: TestServer;
  let admin: SessionGrant;

  beforeAll(async () => {
    server = await startTestServer({ websocketLivenessIntervalMs: 1_000 });
    admin = await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  /* Changes written straight into storage, as another node or the CLI in direct mode would:
     no session event reaches this process, only the periodic check can notice them. */
  type Db = TestServer['handle']['storage']['db'];
  const DIRECT_CHANGES = [
    {
      change: 'its session is ended',
      username: 'direkt-sitzung',
      expectedCode: WS_CLOSE.sessionEnded,
      apply: (db: Db, grant: SessionGrant) =>
        db.updateTable('sessions').set({ ended_at: new Date() }).where('id', '=', grant.sessionId),
    },
    {
      change: 'its device is revoked',
      username: 'direkt-geraet',
      expectedCode: WS_CLOSE.deviceRevoked,
      apply: (db: Db, grant: SessionGrant) =>
        db.updateTable('devices').set({ revoked_at: new Date() }).where('id', '=', grant.device.id),
    },
    {
      change: 'its user is disabled',
      username: 'direkt-person',
      expectedCode: WS_CLOSE.userDisabled,
      // Stamped as every writer stamps a status change (admin-service.ts).
      apply: (db: Db, grant: SessionGrant) =>
        db
          .updateTable('users')
          .set({ status: 'disabled', updated_at: new Date() })
          .where('id', '=', grant.user.id),
    },
  ];
  it.each(DIRECT_CHANGES.map((c) => [c.change, c] as const))(
    'closes a connection within 5 seconds when %s directly in storage',
    async (_change, { username, expectedCode, apply }) => {
      const [grant] = await newMemberWithDevices(server, username, ['Laptop']);
      const connection = await connectAuthenticated(server.wsUrl, grant!.token);
      const adminSocket = await connectAuthenticated(server.wsUrl, admin.token);

      const result = await apply(server.handle.storage.db, grant!).executeTakeFirst();
      expect(result.numUpdatedRows).toBe(1n);

      const { code } = await within(connection.closed, CLOSE_WITHIN_MS, 'closing the socket');
      expect(code).toBe(expectedCode);
      await pong(adminSocket.socket);
      expect(adminSocket.socket.readyState).toBe(WebSocket.OPEN);
      adminSocket.socket.close();
    },
  );
});

describe('WebSocket liveness check of expiring sessions', () => {
  const DAY_MS = 24 * 3600_000;
  let server: TestServer;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    server = await startTestServer({ clock, websocketLivenessIntervalMs: 500 });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes the connection of a session that expired, and keeps one extended by its use', async () => {
    const [idle] = await newMemberWithDevices(server, 'ablaufend', ['Laptop']);
    const [used] = await newMemberWithDevices(server, 'verlaengert', ['Laptop']);
    const idleSocket = await connectAuthenticated(server.wsUrl, idle!.token);
    const usedSocket = await connectAuthenticated(server.wsUrl, used!.token);

    // Just before both expire, one is used over HTTP, which extends it by the session lifetime.
    clock.advance(30 * DAY_MS - 60_000);
    await server.api(used!.token).me();
    clock.advance(120_000);

    const { code } = await within(idleSocket.closed, CLOSE_WITHIN_MS, 'closing the socket');
    expect(code).toBe(WS_CLOSE.sessionEnded);
    await pong(usedSocket.socket);
    expect(usedSocket.socket.readyState).toBe(WebSocket.OPEN);
    usedSocket.socket.close();
  });
});

describe('WebSocket gateway shutdown', () => {
  it('closes open connections with 1001 going away when the server stops', async () => {
    const server = await startTestServer();
    try {
      const admin = await setupFirstOrganization(server);
      const authenticated = await connectAuthenticated(server.wsUrl, admin.token);
      const waitingForHello = await openSocket(server.wsUrl);

      await server.close();

      const closes = await within(
        Promise.all([authenticated.closed, waitingForHello.closed]),
        CLOSE_WITHIN_MS,
        'closing the sockets on shutdown',
      );
      expect(closes.map((c) => c.code)).toEqual([WS_CLOSE.goingAway, WS_CLOSE.goingAway]);
      expect(WS_CLOSE.goingAway).toBe(1001);
    } finally {
      await server.close();
    }
  });
});
