import { base64urlEncode, vaultPrfEvaluationInput } from '@amtsbote/crypto';
import type { DeviceInfo, SessionGrant } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { HttpApi } from '../http-api.js';
import type {
  CreatedPasskeyCredential,
  PasskeyAssertion,
  PasskeyAuthenticator,
  WebAuthnJson,
} from './passkey-authenticator.js';
import { PasskeyError } from './passkey-error.js';
import {
  PasskeysApi,
  answerPasskeyChallenge,
  signInWithPasskey,
  vaultPrfUnlock,
} from './passkeys-api.js';

/* The client's side of the passkey ceremonies against a responder that plays the server, and an
   authenticator that records what it was asked (the browser's WebAuthn does not run in Node;
   apps/server/test/web/profile.test.ts runs the real one in Chromium). */

const CHALLENGE_ID = '11111111-1111-4111-8111-111111111111';
const PASSKEY_ID = '22222222-2222-4222-8222-222222222222';
const UUID = '33333333-3333-4333-8333-333333333333';
const CREDENTIAL_ID = new Uint8Array([9, 8, 7, 6]);
const PRF_OUTPUT = new Uint8Array(32).fill(5);
const DEVICE: DeviceInfo = { name: 'Chrome · Linux', platform: 'web', kind: 'personal' };
const OPTIONS = { challenge: 'c2VydmVyLWNoYWxsZW5nZQ', rpId: 'amtsbote.test' };

const passkeyView = {
  id: PASSKEY_ID,
  name: 'Laptop',
  createdAt: '2026-01-01T08:00:00.000Z',
  lastUsedAt: null,
};

const grant: SessionGrant = {
  status: 'authenticated',
  token: 'session-token',
  sessionId: UUID,
  expiresAt: '2026-03-01T08:00:00.000Z',
  user: {
    id: UUID,
    username: 'anna',
    displayName: 'Anna Admin',
    department: null,
    role: 'admin',
    status: 'active',
    createdAt: '2026-01-01T08:00:00.000Z',
  },
  device: {
    id: UUID,
    name: 'Chrome · Linux',
    platform: 'web',
    kind: 'personal',
    createdAt: '2026-01-01T08:00:00.000Z',
    lastSeenAt: '2026-01-01T08:00:00.000Z',
    revokedAt: null,
    isCurrent: true,
  },
  organization: { id: UUID, slug: 'stadt-musterstadt', name: 'Stadt Musterstadt' },
};

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** A responder for the passkey routes: each answer as the server gives it. */
function fakeServer(): { http: HttpApi; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = new URL(input instanceof Request ? input.url : input.toString()).pathname;
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method, path, body });
    switch (`${method} ${path}`) {
      case 'POST /api/me/passkeys/options':
      case 'POST /api/auth/passkey/options':
        return Promise.resolve(Response.json({ challengeId: CHALLENGE_ID, options: OPTIONS }));
      case 'POST /api/me/passkeys':
        return Promise.resolve(Response.json(passkeyView, { status: 201 }));
      case 'GET /api/me/passkeys':
        return Promise.resolve(Response.json({ passkeys: [passkeyView] }));
      case `DELETE /api/me/passkeys/${PASSKEY_ID}`:
        return Promise.resolve(new Response(null, { status: 204 }));
      case 'POST /api/auth/passkey/login':
        return Promise.resolve(Response.json(grant));
      default:
        return Promise.resolve(
          Response.json(
            { error: { code: 'not_found', message: 'no such route', requestId: 'r' } },
            { status: 404 },
          ),
        );
    }
  };
  return { http: new HttpApi({ baseUrl: 'http://amtsbote.test', fetch, token: 't' }), sent };
}

interface Asked {
  readonly ceremony: 'create' | 'get';
  readonly options: WebAuthnJson;
  readonly prfInput: Uint8Array | null;
}

/** An authenticator that answers every prompt as told and records what it was asked. */
function fakeAuthenticator(answers: {
  create?: Partial<CreatedPasskeyCredential>;
  get?: Partial<PasskeyAssertion> | PasskeyError;
}): { authenticator: PasskeyAuthenticator; asked: Asked[] } {
  const asked: Asked[] = [];
  const authenticator: PasskeyAuthenticator = {
    isSupported: true,
    supportsPrf: () => Promise.resolve(true),
    create: (options, prfInput) => {
      asked.push({ ceremony: 'create', options, prfInput });
      return Promise.resolve({
        response: { id: 'cred', type: 'public-key' },
        credentialId: CREDENTIAL_ID,
        isPrfEnabled: false,
        prfOutput: null,
        ...answers.create,
      });
    },
    get: (options, prfInput) => {
      asked.push({ ceremony: 'get', options, prfInput });
      if (answers.get instanceof PasskeyError) return Promise.reject(answers.get);
      return Promise.resolve({
        response: { id: 'cred', type: 'public-key' },
        credentialId: CREDENTIAL_ID,
        prfOutput: null,
        ...answers.get,
      });
    },
  };
  return { authenticator, asked };
}

const fixedRandom = (length: number): Uint8Array => new Uint8Array(length).fill(1);

describe('PasskeysApi.register', () => {
  it('registers the created credential under the server challenge and the given name', async () => {
    const { http, sent } = fakeServer();
    const { authenticator, asked } = fakeAuthenticator({});
    const registered = await new PasskeysApi(http, authenticator).register({
      name: 'Laptop',
      isForVault: false,
    });
    expect(registered).toEqual({
      passkey: passkeyView,
      vaultUnlock: null,
      vaultUnlockRefusal: null,
    });
    expect(asked).toEqual([{ ceremony: 'create', options: OPTIONS, prfInput: null }]);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /api/me/passkeys/options',
      'POST /api/me/passkeys',
    ]);
    expect(sent[1]?.body).toEqual({
      challengeId: CHALLENGE_ID,
      response: { id: 'cred', type: 'public-key' },
      name: 'Laptop',
    });
  });

  it('takes the vault unlock from the creation when the authenticator gives the PRF there', async () => {
    const { http, sent } = fakeServer();
    const { authenticator, asked } = fakeAuthenticator({
      create: { isPrfEnabled: true, prfOutput: PRF_OUTPUT },
    });
    const registered = await new PasskeysApi(http, authenticator).register({
      name: 'Laptop',
      isForVault: true,
    });
    expect(registered.vaultUnlock).toEqual({ credentialId: CREDENTIAL_ID, prfOutput: PRF_OUTPUT });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.prfInput).toEqual(vaultPrfEvaluationInput());
    expect(JSON.stringify(sent)).not.toContain(base64urlEncode(PRF_OUTPUT));
  });

  it('asks a second time, for this credential only, when the PRF is enabled but not given at creation', async () => {
    const { http } = fakeServer();
    const { authenticator, asked } = fakeAuthenticator({
      create: { isPrfEnabled: true },
      get: { prfOutput: PRF_OUTPUT },
    });
    const registered = await new PasskeysApi(http, authenticator, fixedRandom).register({
      name: 'Laptop',
      isForVault: true,
    });
    expect(registered.vaultUnlock?.prfOutput).toEqual(PRF_OUTPUT);
    expect(asked[1]).toEqual({
      ceremony: 'get',
      options: {
        challenge: base64urlEncode(new Uint8Array(32).fill(1)),
        userVerification: 'required',
        timeout: 120_000,
        allowCredentials: [{ type: 'public-key', id: base64urlEncode(CREDENTIAL_ID) }],
      },
      prfInput: vaultPrfEvaluationInput(),
    });
  });

  it('keeps the passkey registered and says why when it cannot unlock the vault', async () => {
    const { http, sent } = fakeServer();
    const withoutPrf = fakeAuthenticator({});
    const noPrf = await new PasskeysApi(http, withoutPrf.authenticator).register({
      name: 'Laptop',
      isForVault: true,
    });
    expect(noPrf.passkey).toEqual(passkeyView);
    expect(noPrf.vaultUnlock).toBeNull();
    expect(noPrf.vaultUnlockRefusal?.code).toBe('prf_unavailable');

    const cancelled = fakeAuthenticator({
      create: { isPrfEnabled: true },
      get: new PasskeyError('cancelled', 'cancelled'),
    });
    const second = await new PasskeysApi(http, cancelled.authenticator).register({
      name: 'Laptop',
      isForVault: true,
    });
    expect(second.vaultUnlockRefusal?.code).toBe('cancelled');
    expect(sent.filter((s) => s.path === '/api/me/passkeys')).toHaveLength(2);
  });

  it('sends nothing to the server when the user cancels the creation', async () => {
    const { http, sent } = fakeServer();
    const authenticator: PasskeyAuthenticator = {
      ...fakeAuthenticator({}).authenticator,
      create: () => Promise.reject(new PasskeyError('cancelled', 'cancelled')),
    };
    await expect(
      new PasskeysApi(http, authenticator).register({ name: 'Laptop', isForVault: true }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(sent.map((s) => s.path)).toEqual(['/api/me/passkeys/options']);
  });
});

describe('PasskeysApi.list and remove', () => {
  it('lists the passkeys and deletes one by its id', async () => {
    const { http, sent } = fakeServer();
    const api = new PasskeysApi(http, fakeAuthenticator({}).authenticator);
    expect(await api.list()).toEqual([passkeyView]);
    await api.remove(PASSKEY_ID);
    await expect(api.remove(UUID)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/me/passkeys',
      `DELETE /api/me/passkeys/${PASSKEY_ID}`,
      `DELETE /api/me/passkeys/${UUID}`,
    ]);
  });
});

describe('passkey sign-in', () => {
  it('answers the organization challenge with the assertion and the device', async () => {
    const { http, sent } = fakeServer();
    const { authenticator, asked } = fakeAuthenticator({});
    expect(await signInWithPasskey(http, authenticator, 'stadt-musterstadt', DEVICE)).toEqual(
      grant,
    );
    expect(asked).toEqual([{ ceremony: 'get', options: OPTIONS, prfInput: null }]);
    expect(sent.map((s) => s.body)).toEqual([
      { organization: 'stadt-musterstadt' },
      { challengeId: CHALLENGE_ID, response: { id: 'cred', type: 'public-key' }, device: DEVICE },
    ]);
    // The token is the caller's to adopt.
    expect(http.token).toBe('t');
  });

  it('answers the challenge of a password login that requires a passkey', async () => {
    const { http, sent } = fakeServer();
    const { authenticator, asked } = fakeAuthenticator({});
    const challenge = {
      status: 'passkey_required' as const,
      challengeId: UUID,
      options: { challenge: 'c2Vjb25k', allowCredentials: [] },
    };
    expect(await answerPasskeyChallenge(http, authenticator, challenge, DEVICE)).toEqual(grant);
    expect(asked[0]?.options).toEqual(challenge.options);
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/api/auth/passkey/login',
        body: { challengeId: UUID, response: { id: 'cred', type: 'public-key' }, device: DEVICE },
      },
    ]);
  });
});

describe('vaultPrfUnlock', () => {
  it('lets the user pick the passkey when no credential id is given', async () => {
    const { authenticator, asked } = fakeAuthenticator({ get: { prfOutput: PRF_OUTPUT } });
    const unlock = await vaultPrfUnlock(authenticator, null, fixedRandom);
    expect(unlock).toEqual({ credentialId: CREDENTIAL_ID, prfOutput: PRF_OUTPUT });
    expect(asked[0]?.options).not.toHaveProperty('allowCredentials');
  });

  it('refuses a missing or short PRF output with prf_unavailable', async () => {
    for (const prfOutput of [null, new Uint8Array(16)]) {
      const { authenticator } = fakeAuthenticator({ get: { prfOutput } });
      await expect(vaultPrfUnlock(authenticator, CREDENTIAL_ID)).rejects.toMatchObject({
        code: 'prf_unavailable',
      });
    }
  });
});
