import { computeSafetyCode } from '@amtsbote/crypto';
import { MessagingError } from './messaging-error.js';
import type { OwnIdentity, StoredIdentityKeyPins } from './stored-identity-key-pins.js';

/** The safety code of the user and a colleague, as both of them see it. */
export interface SafetyCode {
  readonly userId: string;
  /** 12 groups of 5 digits separated by spaces; the same on the colleague's devices. */
  readonly digits: string;
  /** The user marked the colleague's pinned key verified after comparing this code. */
  readonly isVerified: boolean;
}

/*
 * Safety codes from the pinned identity keys: the colleague's key as this device pinned it on
 * first contact, the user's own as the account holds it. Comparing the code in person proves
 * that the pinned key is the colleague's real one; the user then marks it verified.
 */
export class SafetyCodes {
  readonly #pins: StoredIdentityKeyPins;
  readonly #own: OwnIdentity;

  constructor(pins: StoredIdentityKeyPins, own: OwnIdentity) {
    this.#pins = pins;
    this.#own = own;
  }

  /** Refused with no_pinned_key until the colleague shared a conversation with this device. */
  async of(userId: string): Promise<SafetyCode> {
    this.#assertColleague(userId);
    const pinned = await this.#pins.get(userId);
    if (pinned === null) throw noPinnedKey();
    const digits = await computeSafetyCode(
      { userId: this.#own.userId, identityPublicKey: this.#own.identityPublicKey },
      { userId, identityPublicKey: pinned },
    );
    return { userId, digits, isVerified: await this.#pins.isVerified(userId) };
  }

  async isVerified(userId: string): Promise<boolean> {
    return this.#pins.isVerified(userId);
  }

  /** Marks the colleague's pinned key verified: call it once the codes matched. */
  async markVerified(userId: string): Promise<void> {
    this.#assertColleague(userId);
    if (!(await this.#pins.markVerified(userId))) throw noPinnedKey();
  }

  #assertColleague(userId: string): void {
    if (userId === this.#own.userId) {
      throw new MessagingError('invalid_request', 'a safety code is compared with someone else');
    }
  }
}

function noPinnedKey(): MessagingError {
  return new MessagingError(
    'no_pinned_key',
    'no key of this user is pinned yet; it is pinned when a conversation is first shared',
  );
}
