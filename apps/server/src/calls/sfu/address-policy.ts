/*
 * Which remote addresses the SFU may send media to. A media server reachable from the internet
 * must not become a relay into the networks behind it, so by default it refuses loopback,
 * private, link-local, shared (CGNAT), unique-local and other special-purpose addresses, and
 * names it cannot check (mDNS `.local` candidates).
 */
import { BlockList, isIP } from 'node:net';

function nonPublicRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['2001:db8::', 32],
    ['64:ff9b:1::', 48],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
}

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export class AddressPolicy {
  readonly #ranges = nonPublicRanges();
  readonly #allowPrivate: boolean;
  readonly #isLoopbackOnly: boolean;

  constructor(options: {
    readonly allowPrivateAddresses: boolean;
    readonly isLoopbackOnly: boolean;
  }) {
    this.#allowPrivate = options.allowPrivateAddresses || options.isLoopbackOnly;
    this.#isLoopbackOnly = options.isLoopbackOnly;
  }

  /** Whether media may be sent to (and STUN answered for) this address. */
  isAllowed(host: string): boolean {
    const mapped = MAPPED_IPV4.exec(host)?.[1];
    const address = mapped ?? host;
    const family = isIP(address);
    if (family === 0) return false;
    if (this.#isLoopbackOnly) return address === '127.0.0.1';
    if (this.#allowPrivate) return true;
    return !this.#ranges.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
