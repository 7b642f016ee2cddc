import type { AuthenticationService, Credential } from 'ts-mls';
import { base64urlEncode } from '../base64url.js';
import { constantTimeEqual } from '../constant-time.js';
import {
  DeviceCredentialError,
  decodeDeviceCredential,
  verifyDeviceCredential,
  type DeviceCredential,
} from './device-credential.js';
import type { IdentityKeyPins } from './identity-key-pins.js';

/*
 * Decides whether an MLS member is who its credential says. ts-mls asks for every leaf it meets:
 * key packages in commits, the tree of a Welcome, committers' new leaf nodes.
 *
 * A member is accepted only when its credential decodes, names the leaf's signature key, is
 * signed by the identity key it carries, belongs to this organization, and that identity key is
 * the one pinned for the user. An unknown user's key is pinned on first contact; a different
 * key than the pinned one is refused and reported through onKeyChange, never accepted silently.
 */

export type CredentialRejectionReason =
  | 'not_a_device_credential'
  | 'malformed_credential'
  | 'signature_key_mismatch'
  | 'invalid_signature'
  | 'wrong_organization'
  | 'identity_key_changed'
  | 'conflicting_identity_keys';

export interface CredentialRejection {
  readonly reason: CredentialRejectionReason;
  /** Null when the credential could not be decoded. */
  readonly userId: string | null;
  readonly deviceId: string | null;
}

export type CredentialCheck =
  | { readonly isAccepted: true; readonly credential: DeviceCredential }
  | { readonly isAccepted: false; readonly rejection: CredentialRejection };

/** Called when a user presents another identity key than the one pinned, so the UI can show it. */
export type IdentityKeyChangeListener = (
  userId: string,
  pinnedKey: Uint8Array,
  presentedKey: Uint8Array,
) => void;

export interface DeviceAuthenticationServiceOptions {
  readonly organizationId: string;
  readonly pins: IdentityKeyPins;
  readonly onKeyChange: IdentityKeyChangeListener;
}

function rejected(
  reason: CredentialRejectionReason,
  credential: DeviceCredential | null,
): CredentialCheck {
  return {
    isAccepted: false,
    rejection: {
      reason,
      userId: credential?.userId ?? null,
      deviceId: credential?.deviceId ?? null,
    },
  };
}

/** Every check that needs no pin. */
function checkCredentialShape(
  credential: Credential,
  signaturePublicKey: Uint8Array,
  organizationId: string,
): CredentialCheck {
  if (credential.credentialType !== 'basic') return rejected('not_a_device_credential', null);
  let decoded: DeviceCredential;
  try {
    decoded = decodeDeviceCredential(credential.identity);
  } catch (error) {
    if (error instanceof DeviceCredentialError) return rejected('malformed_credential', null);
    throw error;
  }
  if (!constantTimeEqual(decoded.signaturePublicKey, signaturePublicKey)) {
    return rejected('signature_key_mismatch', decoded);
  }
  if (!verifyDeviceCredential(decoded)) return rejected('invalid_signature', decoded);
  if (decoded.organizationId !== organizationId) return rejected('wrong_organization', decoded);
  return { isAccepted: true, credential: decoded };
}

export class DeviceAuthenticationService implements AuthenticationService {
  readonly organizationId: string;
  private readonly pins: IdentityKeyPins;
  private readonly onKeyChange: IdentityKeyChangeListener;

  constructor(options: DeviceAuthenticationServiceOptions) {
    this.organizationId = options.organizationId;
    this.pins = options.pins;
    this.onKeyChange = options.onKeyChange;
  }

  /** Checks a credential; a first-contact identity key is pinned at once. */
  async checkCredential(
    credential: Credential,
    signaturePublicKey: Uint8Array,
  ): Promise<CredentialCheck> {
    const check = checkCredentialShape(credential, signaturePublicKey, this.organizationId);
    if (!check.isAccepted) return check;
    const { userId, identityPublicKey } = check.credential;
    const pinned = await this.pins.get(userId);
    if (pinned === null) {
      await this.pins.pin(userId, identityPublicKey);
      return check;
    }
    if (constantTimeEqual(pinned, identityPublicKey)) return check;
    this.onKeyChange(userId, pinned, identityPublicKey);
    return rejected('identity_key_changed', check.credential);
  }

  async validateCredential(
    credential: Credential,
    signaturePublicKey: Uint8Array,
  ): Promise<boolean> {
    return (await this.checkCredential(credential, signaturePublicKey)).isAccepted;
  }

  /**
   * A session for one MLS operation: it records why members were refused, and holds back the
   * pins of first contacts until commit(), so an operation that fails pins nothing.
   */
  openSession(): AuthenticationSession {
    return new AuthenticationSession(this.organizationId, this.pins, this.onKeyChange);
  }
}

export class AuthenticationSession implements AuthenticationService {
  private readonly pending = new Map<string, Uint8Array>();
  private readonly refused: CredentialRejection[] = [];
  /**
   * Shape checks already made in this operation, by credential and signature key: a commit
   * meets each added device twice (our checks of its key package, then ts-mls's), and the
   * check's identity-key signature verification is the costly part.
   */
  private readonly shapes = new Map<string, CredentialCheck>();
  /** Key changes already reported in this operation (a tree meets a leaf more than once). */
  private readonly reportedChanges = new Set<string>();

  constructor(
    private readonly organizationId: string,
    private readonly pins: IdentityKeyPins,
    private readonly onKeyChange: IdentityKeyChangeListener,
  ) {}

  get rejections(): readonly CredentialRejection[] {
    return this.refused;
  }

  async checkCredential(
    credential: Credential,
    signaturePublicKey: Uint8Array,
  ): Promise<CredentialCheck> {
    const check = await this.check(credential, signaturePublicKey);
    if (!check.isAccepted) this.refused.push(check.rejection);
    return check;
  }

  /**
   * Records a refusal but answers true: ts-mls 1.6.4 validates the adds of a commit
   * concurrently, and when two are refused the second refusal is left unhandled (which ends a
   * Node process). authenticated() refuses the whole operation afterwards when anything was
   * recorded, so the operation's result is never used.
   */
  async validateCredential(
    credential: Credential,
    signaturePublicKey: Uint8Array,
  ): Promise<boolean> {
    await this.checkCredential(credential, signaturePublicKey);
    return true;
  }

  /** Pins the first-contact keys this session accepted. */
  async commit(): Promise<void> {
    for (const [userId, key] of this.pending) {
      const pinned = await this.pins.get(userId);
      if (pinned === null) await this.pins.pin(userId, key);
      // Another operation pinned a different key meanwhile: keep it, and show the conflict.
      else if (!constantTimeEqual(pinned, key)) this.reportKeyChange(userId, pinned, key);
    }
    this.pending.clear();
  }

  private reportKeyChange(userId: string, pinned: Uint8Array, presented: Uint8Array): void {
    const key = `${userId}.${base64urlEncode(presented)}`;
    if (this.reportedChanges.has(key)) return;
    this.reportedChanges.add(key);
    this.onKeyChange(userId, pinned, presented);
  }

  private shapeOf(credential: Credential, signaturePublicKey: Uint8Array): CredentialCheck {
    if (credential.credentialType !== 'basic') {
      return checkCredentialShape(credential, signaturePublicKey, this.organizationId);
    }
    const key = `${base64urlEncode(credential.identity)}.${base64urlEncode(signaturePublicKey)}`;
    let check = this.shapes.get(key);
    if (check === undefined) {
      check = checkCredentialShape(credential, signaturePublicKey, this.organizationId);
      this.shapes.set(key, check);
    }
    return check;
  }

  private async check(
    credential: Credential,
    signaturePublicKey: Uint8Array,
  ): Promise<CredentialCheck> {
    const check = this.shapeOf(credential, signaturePublicKey);
    if (!check.isAccepted) return check;
    const { userId, identityPublicKey } = check.credential;
    const pinned = await this.pins.get(userId);
    if (pinned !== null) {
      if (constantTimeEqual(pinned, identityPublicKey)) return check;
      this.reportKeyChange(userId, pinned, identityPublicKey);
      return rejected('identity_key_changed', check.credential);
    }
    const pending = this.pending.get(userId);
    if (pending === undefined) {
      this.pending.set(userId, identityPublicKey.slice());
      return check;
    }
    if (constantTimeEqual(pending, identityPublicKey)) return check;
    return rejected('conflicting_identity_keys', check.credential);
  }
}
