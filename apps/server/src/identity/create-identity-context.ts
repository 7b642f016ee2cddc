import { randomUUID } from 'node:crypto';
import { PasswordHasher, type PasswordHasherOptions } from '@amtsbote/crypto/node';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Storage } from '../storage/open-storage.js';
import { DEFAULT_IDENTITY_POLICY, type IdentityContext } from './identity-context.js';
import {
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottle,
  type LoginThrottleOptions,
} from './login-throttle.js';
import { SessionEvents } from './session-events.js';

export interface IdentityContextOptions {
  readonly clock: Clock;
  readonly passwordHashing?: Partial<PasswordHasherOptions> | undefined;
  readonly loginThrottle?: LoginThrottleOptions | undefined;
}

export function createIdentityContext(
  storage: Storage,
  config: Pick<
    Config,
    'publicUrl' | 'sessionTtlMs' | 'setupLinkTtlMs' | 'maxFileBytes' | 'fileQuotaBytes'
  >,
  options: IdentityContextOptions,
): IdentityContext {
  const publicUrl = new URL(config.publicUrl);
  return {
    db: storage.db,
    clock: options.clock,
    hasher: new PasswordHasher(options.passwordHashing),
    events: new SessionEvents(),
    throttle: new LoginThrottle(options.clock, options.loginThrottle ?? DEFAULT_LOGIN_THROTTLE),
    policy: {
      ...DEFAULT_IDENTITY_POLICY,
      sessionTtlMs: config.sessionTtlMs,
      setupLinkTtlMs: config.setupLinkTtlMs,
    },
    fileLimits: { maxFileBytes: config.maxFileBytes, quotaBytes: config.fileQuotaBytes },
    publicUrl: config.publicUrl,
    webauthn: { rpId: publicUrl.hostname, rpName: 'Amtsbote', origin: publicUrl.origin },
    newId: randomUUID,
  };
}
