import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.js';

// Small parameters keep the suite fast; one test below checks the production defaults.
const FAST = { memoryCostKiB: 1024, timeCost: 1, parallelism: 1 } as const;
const PASSWORD = 'correct horse battery staple';

/** Algorithm, version and cost parameters from a PHC string ("$argon2id$v=19$m=…,t=…,p=…$…"). */
function describeHash(hash: string): { algorithm: string; version: string; params: object } {
  const [, algorithm = '', version = '', params = ''] = hash.split('$');
  return {
    algorithm,
    version,
    params: Object.fromEntries(params.split(',').map((pair) => pair.split('='))) as object,
  };
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(FAST);

  it('produces an argon2id hash with the configured parameters', async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(describeHash(hash)).toEqual({
      algorithm: 'argon2id',
      version: 'v=19',
      params: { m: '1024', t: '1', p: '1' },
    });
    expect(hash).not.toContain(PASSWORD);
  });

  it('salts each hash, so the same password hashes differently', async () => {
    expect(await hasher.hash(PASSWORD)).not.toBe(await hasher.hash(PASSWORD));
  });

  it('verifies the right password', async () => {
    expect(await hasher.verify(await hasher.hash(PASSWORD), PASSWORD)).toBe(true);
  });

  it('rejects a wrong password', async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(await hasher.verify(hash, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
  });

  it('treats a non-ASCII password by its exact characters', async () => {
    const hash = await hasher.hash('Grüße aus Köln');
    expect(await hasher.verify(hash, 'Grüße aus Köln')).toBe(true);
    expect(await hasher.verify(hash, 'Grusse aus Koln')).toBe(false);
  });

  it.each(['', 'not-a-hash', '$argon2id$', '$argon2id$v=19$m=1024,t=1,p=1$broken', '$2b$10$abc'])(
    'answers false instead of throwing for the malformed stored hash %j',
    async (stored) => {
      await expect(hasher.verify(stored, PASSWORD)).resolves.toBe(false);
    },
  );

  it('answers false from verifyDummy, even for the dummy password itself', async () => {
    await expect(hasher.verifyDummy(PASSWORD)).resolves.toBe(false);
    await expect(hasher.verifyDummy('amtsbote-dummy-password-for-timing')).resolves.toBe(false);
  });

  it('uses 64 MiB, three passes and one lane by default', async () => {
    const defaults = new PasswordHasher();
    const hash = await defaults.hash(PASSWORD);
    expect(describeHash(hash)).toEqual({
      algorithm: 'argon2id',
      version: 'v=19',
      params: { m: '65536', t: '3', p: '1' },
    });
    expect(await defaults.verify(hash, PASSWORD)).toBe(true);
  });

  it('verifies a hash made with other parameters, which the hash itself records', async () => {
    const stronger = new PasswordHasher({ ...FAST, memoryCostKiB: 2048, timeCost: 2 });
    expect(await hasher.verify(await stronger.hash(PASSWORD), PASSWORD)).toBe(true);
  });
});
