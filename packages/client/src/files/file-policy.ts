import { encryptedSize } from '@amtsbote/crypto';
import type { OrganizationPolicy } from '@amtsbote/protocol';
import { MessagingError } from '../messaging/messaging-error.js';

/*
 * The organization's file policy as the sending client applies it, before anything is
 * encrypted or uploaded. The server enforces the size and the quota itself; the type rule and
 * saving to the device are the clients' to keep (the server never sees a name or a type).
 *
 * The type rule goes by the file name's extension only, not by the media type: the media type
 * is what the sender's system guesses, mostly from that same extension, and is often empty or
 * application/octet-stream; what a receiving system does with a saved file (open it with which
 * program, run it) follows the extension. A media-type rule would add a second, weaker list
 * for administrators to keep in step, and would refuse files whose type the sender's system
 * did not know.
 */

const MIB = 1024 * 1024;

export interface FileDescription {
  readonly name: string;
  /** Not matched by the rule (see above); part of the description for callers' convenience. */
  readonly mediaType: string;
  readonly sizeBytes: number;
}

/**
 * The extension that decides a file's type: the lower-cased text after the last dot of its
 * base name, so "archive.tar.gz" is "gz", "Bericht 3.2.PDF" is "pdf" and ".bat" is "bat".
 * Trailing dots and spaces are dropped first, as Windows drops them when saving ("a.exe. " is
 * "a.exe"). Null when the name has no dot: such a file has no extension.
 */
export function fileExtensionOf(name: string): string | null {
  const base = name.split(/[/\\]/).at(-1) ?? '';
  const trimmed = base.trim().replace(/[. ]+$/, '');
  const dot = trimmed.lastIndexOf('.');
  if (dot < 0) return null;
  return trimmed.slice(dot + 1).toLowerCase();
}

/**
 * Whether the rule lets members send a file of this name. A name without an extension is on
 * no list: allowed by a deny rule, refused by an allow rule.
 */
export function isFileTypeAllowed(
  policy: Pick<OrganizationPolicy, 'fileTypes'>,
  name: string,
): boolean {
  const extension = fileExtensionOf(name);
  const isListed =
    extension !== null && policy.fileTypes.extensions.some((e) => e.toLowerCase() === extension);
  return policy.fileTypes.mode === 'allow' ? isListed : !isListed;
}

/** The bytes the server counts: the encrypted file (a few bytes more per 64 KiB chunk). */
function uploadBytes(sizeBytes: number): number {
  try {
    return encryptedSize(sizeBytes);
  } catch {
    // Larger than the file format holds.
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Refuses a file the organization's policy does not let members send: file_type_not_allowed
 * for its type, file_too_large when its encrypted size is over maxFileMegabytes (what the
 * server would refuse). The quota is the server's to check.
 */
export function checkFileAllowed(
  policy: Pick<OrganizationPolicy, 'fileTypes' | 'maxFileMegabytes'>,
  file: FileDescription,
): void {
  if (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0) {
    throw new MessagingError('invalid_request', 'the file size is not a number of bytes');
  }
  if (!isFileTypeAllowed(policy, file.name)) {
    const extension = fileExtensionOf(file.name);
    throw new MessagingError(
      'file_type_not_allowed',
      extension === null
        ? 'the organization allows no files without a name extension'
        : `the organization does not allow sending .${extension} files`,
    );
  }
  if (uploadBytes(file.sizeBytes) > policy.maxFileMegabytes * MIB) {
    throw new MessagingError(
      'file_too_large',
      `the organization allows files of at most ${policy.maxFileMegabytes} MiB`,
    );
  }
}

/** Whether apps may save files to the device's file system; when not, they only show them. */
export function canSaveFiles(policy: Pick<OrganizationPolicy, 'isFileDownloadAllowed'>): boolean {
  return policy.isFileDownloadAllowed;
}
