import { describe, expect, it } from 'vitest';
import {
  browserPasskeyAuthenticator,
  passkeyErrorOf,
  withoutPrfOutput,
} from './passkey-authenticator.js';

describe('withoutPrfOutput', () => {
  it('drops the PRF results and keeps prf.enabled and the other extensions', () => {
    const json = {
      id: 'cred',
      clientExtensionResults: {
        credProps: { rk: true },
        prf: { enabled: true, results: { first: 'c2VjcmV0' } },
      },
    };
    expect(withoutPrfOutput(json)).toEqual({
      id: 'cred',
      clientExtensionResults: { credProps: { rk: true }, prf: { enabled: true } },
    });
    expect(JSON.stringify(withoutPrfOutput(json))).not.toContain('c2VjcmV0');
  });

  it('drops a PRF result without enabled entirely and leaves JSON without PRF as it is', () => {
    expect(
      withoutPrfOutput({ clientExtensionResults: { prf: { results: { first: 'c2VjcmV0' } } } }),
    ).toEqual({ clientExtensionResults: {} });
    const plain = { id: 'cred', clientExtensionResults: {} };
    expect(withoutPrfOutput(plain)).toBe(plain);
  });
});

describe('passkeyErrorOf', () => {
  it("maps the browser's DOMException names to stable codes", () => {
    const named = (name: string): Error => Object.assign(new Error(name), { name });
    expect(passkeyErrorOf(named('NotAllowedError')).code).toBe('cancelled');
    expect(passkeyErrorOf(named('AbortError')).code).toBe('cancelled');
    expect(passkeyErrorOf(named('InvalidStateError')).code).toBe('already_registered');
    expect(passkeyErrorOf(named('SecurityError')).code).toBe('not_supported');
    const other = new TypeError('bad options');
    expect(passkeyErrorOf(other)).toMatchObject({ code: 'failed', cause: other });
  });
});

describe('browserPasskeyAuthenticator', () => {
  it('is unsupported without WebAuthn and refuses every prompt with not_supported', async () => {
    const authenticator = browserPasskeyAuthenticator({
      credentials: undefined,
      PublicKeyCredential: undefined,
    });
    expect(authenticator.isSupported).toBe(false);
    expect(await authenticator.supportsPrf()).toBe(false);
    await expect(authenticator.get({ challenge: 'x' }, null)).rejects.toMatchObject({
      code: 'not_supported',
    });
    await expect(authenticator.create({ challenge: 'x' }, null)).rejects.toMatchObject({
      code: 'not_supported',
    });
  });
});
