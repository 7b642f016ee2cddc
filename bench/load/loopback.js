/*
 * Load is generated against this machine only: every target host is checked before anything
 * connects to it. Loopback is 127.0.0.0/8, ::1 and the name localhost.
 */
import { isIP } from 'node:net';

export class NotLoopbackError extends Error {
  code = 'not_loopback';
}

export function isLoopbackHost(host) {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.split('.')[0] === '127';
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

export function assertLoopbackHost(host) {
  if (!isLoopbackHost(host)) {
    throw new NotLoopbackError(`refusing to load ${host}: load tests target loopback only`);
  }
}

export function assertLoopbackUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new NotLoopbackError(`refusing to load ${url}: not a URL`);
  }
  assertLoopbackHost(parsed.hostname);
}
