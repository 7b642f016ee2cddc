import { browserPasskeyAuthenticator, type PasskeyAuthenticator } from '@amtsbote/client';
import { useMemo } from 'react';

/** This browser's WebAuthn (unsupported where it has none, e.g. outside a secure context). */
export function usePasskeyAuthenticator(): PasskeyAuthenticator {
  return useMemo(
    () =>
      browserPasskeyAuthenticator({
        credentials: 'credentials' in navigator ? navigator.credentials : undefined,
        PublicKeyCredential:
          'PublicKeyCredential' in window ? window.PublicKeyCredential : undefined,
      }),
    [],
  );
}
