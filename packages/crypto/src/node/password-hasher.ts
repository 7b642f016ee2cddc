import argon2 from 'argon2';

export interface PasswordHasherOptions {
  /** Memory cost in KiB. OWASP's argon2id baseline is 19 MiB with t=2; we default to 64 MiB, t=3. */
  readonly memoryCostKiB: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

const DEFAULTS: PasswordHasherOptions = { memoryCostKiB: 65536, timeCost: 3, parallelism: 1 };

/** argon2id password hashing (RFC 9106). Node only: the hash runs in libuv's thread pool. */
export class PasswordHasher {
  readonly #options: PasswordHasherOptions;
  #dummyHash: Promise<string> | null = null;

  constructor(options: Partial<PasswordHasherOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  async hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.#options.memoryCostKiB,
      timeCost: this.#options.timeCost,
      parallelism: this.#options.parallelism,
    });
  }

  /** Never throws on a malformed stored hash: that counts as a mismatch. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(storedHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same time as a real verification, for unknown or disabled users, so that the
   * response time does not tell whether an account exists.
   */
  async verifyDummy(password: string): Promise<false> {
    this.#dummyHash ??= this.hash('amtsbote-dummy-password-for-timing');
    await this.verify(await this.#dummyHash, password);
    return false;
  }
}
