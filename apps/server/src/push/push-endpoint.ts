import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/*
 * A push endpoint is a URL a client hands us, which the server then POSTs to: without checks it
 * would let any user make the server reach hosts on its own network (SSRF). An endpoint must be
 * https on a public host. Names are checked when stored and their addresses again at every
 * connection (a name can be made to resolve to 10.0.0.1 later). The test-only allowLoopback
 * lets loopback through, also over http; private and link-local stay refused.
 */

export interface EndpointPolicy {
  readonly allowLoopback: boolean;
}

/** Why an endpoint is refused; the text is safe to return and log (it quotes nothing). */
export type EndpointProblem =
  'not_a_url' | 'not_https' | 'has_credentials' | 'has_fragment' | 'not_a_public_host';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Addresses that are not the public internet (besides loopback). */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified and IPv4-compatible (IPv4-mapped is checked as IPv4)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

function family(address: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/** Whether the server may connect to this IP address under the policy. */
export function isAllowedAddress(address: string, policy: EndpointPolicy): boolean {
  const type = family(address);
  if (type === null) return false;
  if (LOOPBACK.check(address, type)) return policy.allowLoopback;
  return !NOT_PUBLIC.check(address, type);
}

function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

function isLoopbackHost(hostname: string): boolean {
  const type = family(hostname);
  return type === null ? isLoopbackName(hostname) : LOOPBACK.check(hostname, type);
}

/** The URL's host without the brackets of an IPv6 literal. */
export function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export type EndpointCheck =
  | { readonly isAllowed: true; readonly url: URL }
  | { readonly isAllowed: false; readonly problem: EndpointProblem };

/**
 * Checks an endpoint by its text: scheme, no credentials or fragment, and a host that is a
 * public address or a name with a dot (single-label names are local). The addresses a name
 * resolves to are checked when connecting (guardedLookup).
 */
export function checkEndpoint(text: string, policy: EndpointPolicy): EndpointCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { isAllowed: false, problem: 'not_a_url' };
  }
  const hostname = bareHostname(url);
  const isLoopback = isLoopbackHost(hostname);
  const isAllowedScheme =
    url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowLoopback && isLoopback);
  if (!isAllowedScheme) return { isAllowed: false, problem: 'not_https' };
  if (url.username !== '' || url.password !== '') {
    return { isAllowed: false, problem: 'has_credentials' };
  }
  if (url.hash !== '' || text.includes('#')) return { isAllowed: false, problem: 'has_fragment' };
  const isPublicHost =
    family(hostname) === null
      ? isLoopbackName(hostname)
        ? policy.allowLoopback
        : hostname.includes('.') && !hostname.endsWith('.')
      : isAllowedAddress(hostname, policy);
  if (!isPublicHost) return { isAllowed: false, problem: 'not_a_public_host' };
  return { isAllowed: true, url };
}

/** The error a connection fails with when its host resolves to a refused address. */
export class RefusedAddressError extends Error {
  readonly code = 'address_refused';

  constructor() {
    super('the push endpoint resolves to an address that is not public');
    this.name = 'RefusedAddressError';
  }
}

/**
 * A `lookup` for http.request / net.connect that resolves every address of the name and
 * refuses the connection when any is not allowed (a name with one private address among public
 * ones is suspect enough). IP literals never reach a lookup: checkEndpoint checks them before each send.
 */
export function guardedLookup(policy: EndpointPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const wantsAll = options.all === true;
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, wantsAll ? [] : '');
        return;
      }
      const first = addresses[0];
      if (first === undefined || addresses.some((a) => !isAllowedAddress(a.address, policy))) {
        callback(new RefusedAddressError(), wantsAll ? [] : '');
        return;
      }
      if (wantsAll) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
