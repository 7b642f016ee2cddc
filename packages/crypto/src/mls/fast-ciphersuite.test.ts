import {
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type CiphersuiteName,
} from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, ciphersuiteName, loadCiphersuite } from './ciphersuite.js';
import { findNativeCrypto } from './native-crypto.js';

/*
 * The optimised ciphersuite (fast-ciphersuite.ts, what loadCiphersuite returns in Node) against
 * ts-mls's stock implementation (WebCrypto and @hpke): every primitive gives the same bytes, and
 * what one side seals or exports the other opens or imports. mls-interop.test.ts does the same
 * for whole groups.
 */

const SUITES = [
  ['X-Wing', MLS_CIPHERSUITES.xwing],
  ['classic X25519', MLS_CIPHERSUITES.classic],
] as const;

const bytes = (length: number, seed: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

function stockOf(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  return getCiphersuiteImpl(getCiphersuiteFromName(name));
}

describe('the ciphersuite in Node', () => {
  it('runs on node:crypto here, so the tests below compare two implementations', async () => {
    expect(findNativeCrypto()).not.toBeNull();
    const stock = await stockOf(ciphersuiteName(MLS_CIPHERSUITES.classic));
    const fast = await loadCiphersuite(MLS_CIPHERSUITES.classic);
    // Stock HPKE exports its own keys; the optimised one refuses them, so it is not stock.
    const { publicKey } = await stock.hpke.generateKeyPair();
    expect(await stock.hpke.exportPublicKey(publicKey)).toHaveLength(32);
    await expect(fast.hpke.exportPublicKey(publicKey)).rejects.toThrow(/another HPKE/);
  });
});

describe.each(SUITES)('the optimised ciphersuite against stock ts-mls (%s)', (_name, id) => {
  const load = async (): Promise<{ fast: CiphersuiteImpl; stock: CiphersuiteImpl }> => ({
    fast: await loadCiphersuite(id),
    stock: await stockOf(ciphersuiteName(id)),
  });

  it('hashes, MACs and derives the same bytes', async () => {
    const { fast, stock } = await load();
    const data = bytes(100, 1);
    const key = bytes(fast.kdf.size, 2);
    expect(await fast.hash.digest(data)).toEqual(await stock.hash.digest(data));
    const mac = await fast.hash.mac(key, data);
    expect(mac).toEqual(await stock.hash.mac(key, data));
    expect(await fast.hash.verifyMac(key, mac, data)).toBe(true);
    expect(await stock.hash.verifyMac(key, mac, data)).toBe(true);
    mac[0] = (mac[0] ?? 0) ^ 1;
    expect(await fast.hash.verifyMac(key, mac, data)).toBe(false);
    // ts-mls extracts with an empty salt or one of hash length (@hpke refuses any other).
    for (const salt of [new Uint8Array(0), bytes(fast.kdf.size, 3)]) {
      expect(await fast.kdf.extract(salt, data)).toEqual(await stock.kdf.extract(salt, data));
    }
    // One block, a partial block, several blocks, and the maximum of 255 blocks.
    for (const length of [1, 12, fast.kdf.size, fast.kdf.size + 1, 3 * fast.kdf.size + 5]) {
      const info = bytes(20, length);
      expect(await fast.kdf.expand(key, info, length)).toEqual(
        await stock.kdf.expand(key, info, length),
      );
    }
    await expect(fast.kdf.expand(key, data, 255 * fast.kdf.size + 1)).rejects.toThrow();
  });

  it('encrypts with the AEAD as stock does, and refuses a changed ciphertext or AAD', async () => {
    const { fast, stock } = await load();
    const key = bytes(fast.hpke.keyLength, 5);
    const nonce = bytes(fast.hpke.nonceLength, 6);
    const aad = bytes(9, 7);
    const plaintext = bytes(100, 8);
    const sealed = await fast.hpke.encryptAead(key, nonce, aad, plaintext);
    expect(sealed).toEqual(await stock.hpke.encryptAead(key, nonce, aad, plaintext));
    expect(await stock.hpke.decryptAead(key, nonce, aad, sealed)).toEqual(plaintext);
    expect(await fast.hpke.decryptAead(key, nonce, aad, sealed)).toEqual(plaintext);
    const tampered = sealed.slice();
    tampered[3] = (tampered[3] ?? 0) ^ 1;
    await expect(fast.hpke.decryptAead(key, nonce, aad, tampered)).rejects.toThrow();
    await expect(fast.hpke.decryptAead(key, nonce, bytes(9, 0), sealed)).rejects.toThrow();
    await expect(fast.hpke.decryptAead(key, nonce, aad, sealed.subarray(0, 15))).rejects.toThrow();
    // No AAD and an empty AAD are the same, as in ts-mls.
    expect(await fast.hpke.encryptAead(key, nonce, undefined, plaintext)).toEqual(
      await stock.hpke.encryptAead(key, nonce, new Uint8Array(0), plaintext),
    );
  });

  it('derives the same HPKE key pairs from the same input', async () => {
    const { fast, stock } = await load();
    for (const seed of [1, 2]) {
      const ikm = bytes(32, seed);
      const mine = await fast.hpke.deriveKeyPair(ikm);
      const theirs = await stock.hpke.deriveKeyPair(ikm);
      expect(await fast.hpke.exportPublicKey(mine.publicKey)).toEqual(
        await stock.hpke.exportPublicKey(theirs.publicKey),
      );
      expect(await fast.hpke.exportPrivateKey(mine.privateKey)).toEqual(
        await stock.hpke.exportPrivateKey(theirs.privateKey),
      );
    }
  });

  it('seals what stock opens, and opens what stock seals', async () => {
    const { fast, stock } = await load();
    const info = bytes(30, 9);
    const aad = bytes(5, 10);
    const plaintext = bytes(64, 11);
    for (const [sender, recipient] of [
      [fast, stock],
      [stock, fast],
    ] as const) {
      const pair = await recipient.hpke.generateKeyPair();
      const publicKey = await sender.hpke.importPublicKey(
        await recipient.hpke.exportPublicKey(pair.publicKey),
      );
      const { ct, enc } = await sender.hpke.seal(publicKey, plaintext, info, aad);
      expect(await recipient.hpke.open(pair.privateKey, enc, ct, info, aad)).toEqual(plaintext);
      await expect(
        recipient.hpke.open(pair.privateKey, enc, ct, bytes(30, 0), aad),
      ).rejects.toThrow();
    }
  });

  it('exports the secret stock imports, and imports the one stock exports', async () => {
    const { fast, stock } = await load();
    const info = bytes(12, 12);
    const context = bytes(16, 13);
    for (const [sender, recipient] of [
      [fast, stock],
      [stock, fast],
    ] as const) {
      const pair = await recipient.hpke.deriveKeyPair(bytes(32, 14));
      const publicKey = await sender.hpke.importPublicKey(
        await recipient.hpke.exportPublicKey(pair.publicKey),
      );
      const { enc, secret } = await sender.hpke.exportSecret(publicKey, context, 32, info);
      expect(await recipient.hpke.importSecret(pair.privateKey, context, enc, 32, info)).toEqual(
        secret,
      );
    }
  });

  it('refuses keys of the wrong length and keys it did not make, with a CryptoError', async () => {
    const { fast, stock } = await load();
    await expect(fast.hpke.importPublicKey(bytes(31, 1))).rejects.toThrow(/bytes/);
    await expect(fast.hpke.importPrivateKey(bytes(33, 1))).rejects.toThrow(/bytes/);
    const foreign = await stock.hpke.generateKeyPair();
    await expect(fast.hpke.exportPublicKey(foreign.publicKey)).rejects.toThrow(/another HPKE/);
  });
});

describe('the optimised DHKEM(X25519)', () => {
  it('refuses to encapsulate to a small-order public key (RFC 9180 section 7.1.4)', async () => {
    const fast = await loadCiphersuite(MLS_CIPHERSUITES.classic);
    const lowOrder = await fast.hpke.importPublicKey(new Uint8Array(32)); // u = 0
    await expect(fast.hpke.seal(lowOrder, bytes(8, 1), new Uint8Array(0))).rejects.toThrow();
  });
});
