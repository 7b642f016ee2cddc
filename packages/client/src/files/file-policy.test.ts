import { encryptedSize } from '@amtsbote/crypto';
import type { FileTypeRule, OrganizationPolicy } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { MessagingError } from '../messaging/messaging-error.js';
import {
  canSaveFiles,
  checkFileAllowed,
  fileExtensionOf,
  isFileTypeAllowed,
} from './file-policy.js';

const MiB = 1024 * 1024;

const policyWith = (fileTypes: FileTypeRule, maxFileMegabytes = 10): OrganizationPolicy => ({
  hasReadReceipts: true,
  maxFileMegabytes,
  fileQuotaGigabytes: 100,
  isFileDownloadAllowed: true,
  fileTypes,
  vaultWipeAfterFailures: 10,
  maxLockAfterMinutes: 60,
});
const deny = (...extensions: string[]) => policyWith({ mode: 'deny', extensions });
const allow = (...extensions: string[]) => policyWith({ mode: 'allow', extensions });

const file = (name: string, sizeBytes = 100) => ({
  name,
  mediaType: 'application/octet-stream',
  sizeBytes,
});

/** The refusal's code, or 'none'. */
function refusalOf(policy: OrganizationPolicy, name: string, sizeBytes = 100): string {
  try {
    checkFileAllowed(policy, file(name, sizeBytes));
    return 'none';
  } catch (error) {
    if (!(error instanceof MessagingError)) throw error;
    return error.code;
  }
}

describe('fileExtensionOf', () => {
  it.each([
    ['Bericht.pdf', 'pdf'],
    ['SETUP.EXE', 'exe'],
    ['archive.tar.gz', 'gz'],
    ['Protokoll v1.2.docx', 'docx'],
    ['Az. 12.3', '3'],
    ['.bat', 'bat'],
    ['.profile', 'profile'],
    ['Bericht', null],
    ['', null],
    // Windows drops trailing dots and spaces when saving: "a.exe. " becomes "a.exe".
    ['start.exe.', 'exe'],
    ['start.exe . .', 'exe'],
    ['Bericht.', null],
    ['  Bericht.PDF  ', 'pdf'],
    // A name is a base name; a path in it counts only from its last separator.
    ['ordner.v2/Bericht', null],
    ['C:\\ordner.v2\\start.bat', 'bat'],
  ])('takes %j as %j', (name, extension) => {
    expect(fileExtensionOf(name)).toBe(extension);
  });
});

describe('checkFileAllowed', () => {
  it('allows every type by default (an empty deny list)', () => {
    for (const name of ['a.exe', 'b.pdf', 'c', '.bashrc', 'd.tar.gz']) {
      expect(refusalOf(deny(), name), name).toBe('none');
    }
  });

  it('refuses the listed types of a deny rule, whatever their letter case', () => {
    const policy = deny('exe', 'bat', 'js');
    for (const name of [
      'setup.exe',
      'SETUP.EXE',
      'Setup.Exe',
      'rechnung.pdf.exe',
      'x.js',
      '.bat',
    ]) {
      expect(refusalOf(policy, name), name).toBe('file_type_not_allowed');
    }
    for (const name of ['Bericht.pdf', 'exe', 'exe.pdf', 'setup.exe.pdf', 'script.jsx']) {
      expect(refusalOf(policy, name), name).toBe('none');
    }
  });

  it('allows names without extension under a deny rule and refuses them under an allow rule', () => {
    expect(refusalOf(deny('exe'), 'Makefile')).toBe('none');
    expect(refusalOf(allow('pdf'), 'Makefile')).toBe('file_type_not_allowed');
    expect(refusalOf(allow('pdf'), 'Bericht.')).toBe('file_type_not_allowed');
  });

  it('allows only the listed types of an allow rule, by the last extension', () => {
    const policy = allow('pdf', 'gz');
    for (const name of ['a.pdf', 'A.PDF', 'archive.tar.gz', 'Protokoll v1.2.pdf']) {
      expect(refusalOf(policy, name), name).toBe('none');
    }
    for (const name of ['a.docx', 'archive.gz.tar', 'bericht.pdf.exe', 'tar.gz.zip']) {
      expect(refusalOf(policy, name), name).toBe('file_type_not_allowed');
    }
    // An empty allow list allows nothing.
    expect(refusalOf(allow(), 'a.pdf')).toBe('file_type_not_allowed');
  });

  it('does not go by the media type', () => {
    const policy = deny('exe');
    expect(() => {
      checkFileAllowed(policy, {
        name: 'a.pdf',
        mediaType: 'application/x-msdownload',
        sizeBytes: 1,
      });
    }).not.toThrow();
    expect(() => {
      checkFileAllowed(policy, { name: 'a.exe', mediaType: 'application/pdf', sizeBytes: 1 });
    }).toThrow(MessagingError);
  });

  it('refuses a file whose encrypted size is over the largest file, as the server would', () => {
    const policy = deny();
    const largestPlaintext = 10 * MiB - (encryptedSize(10 * MiB) - 10 * MiB);
    expect(encryptedSize(largestPlaintext)).toBeLessThanOrEqual(10 * MiB);
    expect(refusalOf(policy, 'a.pdf', largestPlaintext)).toBe('none');
    expect(refusalOf(policy, 'a.pdf', 10 * MiB)).toBe('file_too_large');
    expect(refusalOf(policy, 'a.pdf', Number.MAX_SAFE_INTEGER)).toBe('file_too_large');
    expect(refusalOf(policy, 'a.pdf', 0)).toBe('none');
    expect(refusalOf(policy, 'a.pdf', -1)).toBe('invalid_request');
    expect(refusalOf(policy, 'a.pdf', 1.5)).toBe('invalid_request');
  });

  it('names the refused extension and the limit in its messages', () => {
    expect(() => {
      checkFileAllowed(deny('exe'), file('Setup.EXE'));
    }).toThrow(/\.exe files/);
    expect(() => {
      checkFileAllowed(allow('pdf'), file('Bericht'));
    }).toThrow(/without a name extension/);
    expect(() => {
      checkFileAllowed(deny(), file('a.pdf', 20 * MiB));
    }).toThrow(/at most 10 MiB/);
  });
});

describe('isFileTypeAllowed', () => {
  it('answers the type rule alone, for file pickers', () => {
    expect(isFileTypeAllowed(allow('pdf'), 'a.PDF')).toBe(true);
    expect(isFileTypeAllowed(allow('pdf'), 'a.exe')).toBe(false);
    expect(isFileTypeAllowed(deny('exe'), 'a.exe')).toBe(false);
  });
});

describe('canSaveFiles', () => {
  it('follows isFileDownloadAllowed', () => {
    expect(canSaveFiles({ isFileDownloadAllowed: true })).toBe(true);
    expect(canSaveFiles({ isFileDownloadAllowed: false })).toBe(false);
  });
});
