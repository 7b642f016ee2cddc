import { ApiError } from '@amtsbote/client';
import { FILE_CRYPTO_ERROR_CODES, FileCryptoError } from '@amtsbote/crypto';
import { describe, expect, it } from 'vitest';
import { describeFileError } from './file-errors.js';

describe('describeFileError', () => {
  it('explains each refusal of a transfer link, as a refusal (exit 2)', () => {
    for (const [code, words] of [
      ['transfer_access_denied', 'password is wrong'],
      ['transfer_expired', 'expired'],
      ['transfer_revoked', 'revoked'],
      ['transfer_exhausted', 'used as often as the sender allowed'],
      ['transfer_locked', 'locked'],
      ['transfer_not_found', 'no such transfer'],
    ] as const) {
      const described = describeFileError(new ApiError(410, code, 'server text', null));
      expect(described, code).toEqual({
        code,
        message: expect.stringContaining(words) as unknown,
        exitCode: 2,
      });
    }
  });

  it('reports every decryption failure as a tampered file that was not saved (exit 1)', () => {
    for (const code of FILE_CRYPTO_ERROR_CODES) {
      expect(describeFileError(new FileCryptoError(code, 'detail')), code).toEqual({
        code: 'file_tampered',
        message: expect.stringContaining('nothing was saved') as unknown,
        exitCode: 1,
      });
    }
  });

  it('leaves other errors to the general description', () => {
    expect(describeFileError(new ApiError(0, 'network_error', 'unreachable', null))).toBeNull();
    expect(describeFileError(new Error('other'))).toBeNull();
  });
});
