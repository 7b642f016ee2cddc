/*
 * libsodium's Ed25519 verification through sodium-native, looked up at run time like
 * node:crypto (native-crypto.ts): this package also runs in browsers, where there is no addon,
 * and a bundler must not follow the import. libsodium verifies about 40 % faster than OpenSSL 3
 * here (45 µs against 72 µs on the machine of docs/performance.md), and it is strict by itself:
 * it refuses non-canonical and small-order A and R and S >= L, and checks the cofactorless
 * equation, which is exactly the rule of ed25519-strict.ts (see ADR 0012).
 */

/** The part of sodium-native the MLS code uses. */
export interface SodiumSign {
  /** Throws on wrong lengths of signature or key. */
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
}

interface NodeModule {
  createRequire(from: string): (id: string) => unknown;
}

interface ProcessWithBuiltins {
  readonly getBuiltinModule?: (id: 'node:module') => NodeModule | undefined;
}

function isSodiumSign(value: unknown): value is SodiumSign {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<SodiumSign>).crypto_sign_verify_detached === 'function'
  );
}

let found: SodiumSign | null | undefined;

/** sodium-native, or null where it is absent (browsers) or its addon does not load. */
export function findSodium(): SodiumSign | null {
  if (found !== undefined) return found;
  found = null;
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  try {
    const module = process?.getBuiltinModule?.('node:module');
    const sodium = module?.createRequire(import.meta.url)('sodium-native');
    if (isSodiumSign(sodium)) found = sodium;
  } catch {
    // No addon for this platform: OpenSSL verifies, with the same strict rule.
  }
  return found;
}
