import { PasskeyError } from './passkey-error.js';

/*
 * The browser's WebAuthn behind a narrow interface: the server's options go in as JSON, the
 * credential comes out as JSON for the server, and the PRF extension's output (the secret a
 * passkey unlocks the vault with) comes out separately and is removed from that JSON, so it
 * never reaches the server. The browser's own helpers do the conversion
 * (PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON, toJSON()).
 */

/** WebAuthn options and responses in their JSON form (base64url for bytes). */
export type WebAuthnJson = Record<string, unknown>;

export interface CreatedPasskeyCredential {
  /** RegistrationResponseJSON for the server, without PRF output. */
  readonly response: WebAuthnJson;
  /** The credential's raw id. */
  readonly credentialId: Uint8Array;
  /** Whether the authenticator evaluates the PRF for this credential (prf.enabled). */
  readonly isPrfEnabled: boolean;
  /** The PRF output at the input asked for, when the authenticator gave it at creation. */
  readonly prfOutput: Uint8Array | null;
}

export interface PasskeyAssertion {
  /** AuthenticationResponseJSON for the server, without PRF output. */
  readonly response: WebAuthnJson;
  readonly credentialId: Uint8Array;
  /** The PRF output at the input asked for, or null when none was asked for or given. */
  readonly prfOutput: Uint8Array | null;
}

export interface PasskeyAuthenticator {
  /** Whether this browser can use passkeys with the JSON helpers at all. */
  readonly isSupported: boolean;
  /** Whether the browser says it supports the PRF extension (false when it cannot tell). */
  supportsPrf(): Promise<boolean>;
  /** navigator.credentials.create; with prfInput, the PRF extension is evaluated at it. */
  create(options: WebAuthnJson, prfInput: Uint8Array | null): Promise<CreatedPasskeyCredential>;
  /** navigator.credentials.get; with prfInput, the PRF extension is evaluated at it. */
  get(options: WebAuthnJson, prfInput: Uint8Array | null): Promise<PasskeyAssertion>;
}

/*
 * The parts of the browser's WebAuthn the adapter uses, written out: this package's main entry
 * is also compiled for Node, without the DOM's types (as push-api.ts does for push).
 */

/** Parsed options (PublicKeyCredentialCreationOptions or …RequestOptions). */
interface ParsedOptions {
  readonly extensions?: object;
}

/** `navigator.credentials`. */
export interface CredentialsLike {
  create(options?: { readonly publicKey?: object }): Promise<unknown>;
  get(options?: { readonly publicKey?: object }): Promise<unknown>;
}

/** The `PublicKeyCredential` interface object with its static JSON helpers. */
export interface PublicKeyCredentialStatics {
  parseCreationOptionsFromJSON(options: { readonly challenge: string }): ParsedOptions;
  parseRequestOptionsFromJSON(options: { readonly challenge: string }): ParsedOptions;
  readonly getClientCapabilities?: () => Promise<Readonly<Record<string, boolean>>>;
  readonly prototype: object;
}

type BufferSourceLike = ArrayBuffer | ArrayBufferView;

/** A PublicKeyCredential instance. */
interface BrowserCredential {
  readonly rawId: ArrayBuffer;
  toJSON(): unknown;
  getClientExtensionResults(): {
    readonly prf?: {
      readonly enabled?: boolean;
      readonly results?: { readonly first?: BufferSourceLike };
    };
  };
}

/** What the adapter needs of the browser: `navigator.credentials` and `PublicKeyCredential`. */
export interface WebAuthnScope {
  readonly credentials: CredentialsLike | undefined;
  readonly PublicKeyCredential: PublicKeyCredentialStatics | undefined;
}

function isBrowserCredential(value: unknown): value is BrowserCredential {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof BrowserCredential, unknown>>;
  return (
    candidate.rawId instanceof ArrayBuffer &&
    typeof candidate.toJSON === 'function' &&
    typeof candidate.getClientExtensionResults === 'function'
  );
}

/**
 * The credential's JSON for the server without the PRF output: toJSON() serialises the
 * extension results as they are, PRF results included. Only prf.enabled stays.
 */
export function withoutPrfOutput(json: WebAuthnJson): WebAuthnJson {
  const results = json['clientExtensionResults'];
  if (typeof results !== 'object' || results === null || !('prf' in results)) return json;
  const { prf, ...others } = results as Record<string, unknown>;
  const enabled = (prf as { enabled?: unknown } | null)?.enabled;
  return {
    ...json,
    clientExtensionResults: typeof enabled === 'boolean' ? { ...others, prf: { enabled } } : others,
  };
}

function bytesOf(value: BufferSourceLike | undefined): Uint8Array | null {
  if (value === undefined) return null;
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

/** The browser's refusal as a PasskeyError (DOMException names of WebAuthn, §5.1.3 and §5.1.4). */
export function passkeyErrorOf(error: unknown): PasskeyError {
  if (error instanceof PasskeyError) return error;
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'AbortError':
      return new PasskeyError('cancelled', 'the passkey prompt was cancelled', { cause: error });
    case 'InvalidStateError':
      return new PasskeyError('already_registered', 'this authenticator holds a passkey already', {
        cause: error,
      });
    case 'NotSupportedError':
    case 'SecurityError':
      return new PasskeyError('not_supported', 'passkeys cannot be used here', { cause: error });
    default:
      return new PasskeyError('failed', 'the passkey ceremony failed', { cause: error });
  }
}

function withPrf(options: ParsedOptions, prfInput: Uint8Array | null): ParsedOptions {
  if (prfInput === null) return options;
  const first = Uint8Array.from(prfInput);
  return { ...options, extensions: { ...options.extensions, prf: { eval: { first } } } };
}

interface ReadyScope {
  readonly credentials: CredentialsLike;
  readonly PublicKeyCredential: PublicKeyCredentialStatics;
}

function credentialOf(credential: unknown): CreatedPasskeyCredential {
  if (!isBrowserCredential(credential)) {
    throw new PasskeyError('failed', 'the browser returned no public key credential');
  }
  const json: unknown = credential.toJSON();
  if (typeof json !== 'object' || json === null) {
    throw new PasskeyError('failed', 'the credential has no JSON form');
  }
  const prf = credential.getClientExtensionResults().prf;
  return {
    response: withoutPrfOutput(json as WebAuthnJson),
    credentialId: new Uint8Array(credential.rawId.slice(0)),
    isPrfEnabled: prf?.enabled === true || prf?.results?.first !== undefined,
    prfOutput: bytesOf(prf?.results?.first),
  };
}

/** The adapter over the browser's WebAuthn; every refusal is a PasskeyError. */
export function browserPasskeyAuthenticator(scope: WebAuthnScope): PasskeyAuthenticator {
  const { credentials, PublicKeyCredential: Pkc } = scope;
  const supported =
    credentials !== undefined &&
    Pkc !== undefined &&
    typeof Pkc.parseCreationOptionsFromJSON === 'function' &&
    typeof Pkc.parseRequestOptionsFromJSON === 'function' &&
    typeof (Pkc.prototype as { toJSON?: unknown }).toJSON === 'function';
  const ready = (): ReadyScope => {
    if (!supported || credentials === undefined || Pkc === undefined) {
      throw new PasskeyError('not_supported', 'this browser cannot use passkeys');
    }
    return { credentials, PublicKeyCredential: Pkc };
  };
  return {
    isSupported: supported,
    supportsPrf: async () => {
      if (!supported || typeof Pkc.getClientCapabilities !== 'function') return false;
      try {
        return (await Pkc.getClientCapabilities())['extension:prf'] === true;
      } catch {
        return false;
      }
    },
    create: async (options, prfInput) => {
      const browser = ready();
      try {
        const publicKey = withPrf(
          browser.PublicKeyCredential.parseCreationOptionsFromJSON(
            // The browser checks the shape and throws a TypeError for a bad one.
            options as { challenge: string },
          ),
          prfInput,
        );
        return credentialOf(await browser.credentials.create({ publicKey }));
      } catch (error) {
        throw passkeyErrorOf(error);
      }
    },
    get: async (options, prfInput) => {
      const browser = ready();
      try {
        const publicKey = withPrf(
          browser.PublicKeyCredential.parseRequestOptionsFromJSON(options as { challenge: string }),
          prfInput,
        );
        const { response, credentialId, prfOutput } = credentialOf(
          await browser.credentials.get({ publicKey }),
        );
        return { response, credentialId, prfOutput };
      } catch (error) {
        throw passkeyErrorOf(error);
      }
    },
  };
}
