import { describe, expect, it } from 'vitest';
import {
  checkEndpoint,
  guardedLookup,
  isAllowedAddress,
  RefusedAddressError,
} from './push-endpoint.js';

const STRICT = { allowLoopback: false };
const TESTS = { allowLoopback: true };

const problemOf = (endpoint: string, policy = STRICT): string | null => {
  const checked = checkEndpoint(endpoint, policy);
  return checked.isAllowed ? null : checked.problem;
};

describe('checkEndpoint', () => {
  it('accepts https endpoints on public hosts', () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
      'https://web.push.apple.com/QGuQyavXu',
      'https://93.184.216.34/push',
      'https://[2606:4700::1111]/push',
    ]) {
      expect(problemOf(endpoint), endpoint).toBeNull();
    }
  });

  it('refuses loopback without the test flag, in every spelling', () => {
    for (const endpoint of [
      'https://localhost/x',
      'https://push.localhost/x',
      'https://127.0.0.1/x',
      'https://127.1/x',
      'https://2130706433/x',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
    ]) {
      expect(problemOf(endpoint), endpoint).toBe('not_a_public_host');
    }
    expect(problemOf('http://127.0.0.1:8080/x')).toBe('not_https');
  });

  it('accepts loopback, also over http, with the test flag, and nothing else besides', () => {
    expect(problemOf('http://127.0.0.1:8080/x', TESTS)).toBeNull();
    expect(problemOf('http://localhost:8080/x', TESTS)).toBeNull();
    expect(problemOf('https://[::1]/x', TESTS)).toBeNull();
    expect(problemOf('http://push.example.net/x', TESTS)).toBe('not_https');
    expect(problemOf('https://10.0.0.1/x', TESTS)).toBe('not_a_public_host');
    expect(problemOf('https://169.254.169.254/x', TESTS)).toBe('not_a_public_host');
  });

  it('refuses private, link-local, shared and special addresses', () => {
    for (const host of [
      '0.0.0.0',
      '10.20.30.40',
      '100.100.0.1',
      '169.254.169.254',
      '172.31.255.255',
      '192.168.0.1',
      '192.0.2.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '[::]',
      '[fc00::1]',
      '[fe80::1]',
      '[ff02::1]',
      '[::ffff:192.168.0.1]',
      '[2001:db8::1]',
    ]) {
      expect(problemOf(`https://${host}/x`), host).toBe('not_a_public_host');
    }
  });

  it('refuses single-label names, credentials, fragments and non-URLs', () => {
    expect(problemOf('https://intranet/x')).toBe('not_a_public_host');
    expect(problemOf('https://push.example.net./x')).toBe('not_a_public_host');
    expect(problemOf('https://u:p@push.example.net/x')).toBe('has_credentials');
    expect(problemOf('https://push.example.net/x#')).toBe('has_fragment');
    expect(problemOf('push.example.net/x')).toBe('not_a_url');
    expect(problemOf('wss://push.example.net/x')).toBe('not_https');
  });
});

describe('isAllowedAddress', () => {
  it('tells public addresses from the rest', () => {
    expect(isAllowedAddress('8.8.8.8', STRICT)).toBe(true);
    expect(isAllowedAddress('2a00:1450:4001:80b::200a', STRICT)).toBe(true);
    expect(isAllowedAddress('127.0.0.1', STRICT)).toBe(false);
    expect(isAllowedAddress('127.0.0.1', TESTS)).toBe(true);
    expect(isAllowedAddress('::ffff:10.0.0.1', TESTS)).toBe(false);
    expect(isAllowedAddress('not an address', TESTS)).toBe(false);
  });
});

describe('guardedLookup', () => {
  const resolve = (hostname: string, policy: typeof STRICT, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((done) => {
      guardedLookup(policy)(hostname, { all }, (error, address) => {
        done({ error, address });
      });
    });

  it('refuses a name that resolves to loopback, unless the test flag allows it', async () => {
    const refused = await resolve('localhost', STRICT, false);
    expect(refused.error).toBeInstanceOf(RefusedAddressError);
    const allowed = await resolve('localhost', TESTS, false);
    expect(allowed.error).toBeNull();
    expect(allowed.address).toMatch(/^(127\.|::1$)/);
    const all = await resolve('localhost', TESTS, true);
    expect(all.error).toBeNull();
    expect(Array.isArray(all.address)).toBe(true);
  });
});
