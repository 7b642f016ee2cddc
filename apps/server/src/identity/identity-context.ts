import type { PasswordHasher } from '@amtsbote/crypto/node';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { FileLimits } from '../files/file-service.js';
import type { Database } from '../storage/schema.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionEvents } from './session-events.js';

export interface WebauthnRelyingParty {
  /** The public host name; passkeys are bound to it. */
  readonly rpId: string;
  readonly rpName: string;
  readonly origin: string;
}

export interface IdentityPolicy {
  /** Sliding lifetime of a session: each use extends it by this much. */
  readonly sessionTtlMs: number;
  readonly setupLinkTtlMs: number;
  readonly challengeTtlMs: number;
}

export const DEFAULT_IDENTITY_POLICY: IdentityPolicy = {
  sessionTtlMs: 30 * 24 * 3600_000,
  setupLinkTtlMs: 24 * 3600_000,
  challengeTtlMs: 5 * 60_000,
};

/** What the identity use cases need, built once in the composition root and passed in. */
export interface IdentityContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly events: SessionEvents;
  readonly throttle: LoginThrottle;
  readonly policy: IdentityPolicy;
  /** The server's file limits (config): organization policies choose within them. */
  readonly fileLimits: FileLimits;
  /** Base for links shown to people: setup, invites. No trailing slash. */
  readonly publicUrl: string;
  readonly webauthn: WebauthnRelyingParty;
  readonly newId: () => string;
}
