import { ApiError, MessagingError, fileExtensionOf } from '@amtsbote/client';
import type { TFunction } from 'i18next';
import { formatMegabytes } from './file-facts.js';

/*
 * Why a file was not sent, as the sender can act on it. Refusals by the organization's policy
 * (type, size, quota) stay refused on another try; only failures of the way there offer a retry.
 */

export type UploadProblem =
  | { readonly kind: 'type_not_allowed'; readonly extension: string | null }
  /** maxMegabytes: the policy's largest file, when the client knows it. */
  | { readonly kind: 'too_large'; readonly maxMegabytes: number | null }
  | { readonly kind: 'quota_exceeded' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'failed' };

/** `cancelled` is no problem: the caller asked for it. */
export function isCancellation(error: unknown): boolean {
  return error instanceof MessagingError && error.code === 'cancelled';
}

/** Uploaded, and the message waits in the outbox until the server can be reached again. */
export function isWaitingInOutbox(error: unknown): boolean {
  return error instanceof MessagingError && error.code === 'send_pending';
}

export function uploadProblemOf(
  error: unknown,
  fileName: string,
  maxMegabytes: number | null,
): UploadProblem {
  if (error instanceof MessagingError || error instanceof ApiError) {
    switch (error.code) {
      case 'file_type_not_allowed':
        return { kind: 'type_not_allowed', extension: fileExtensionOf(fileName) };
      case 'file_too_large':
        return { kind: 'too_large', maxMegabytes };
      case 'file_quota_exceeded':
        return { kind: 'quota_exceeded' };
      case 'network_error':
        return { kind: 'unreachable' };
    }
  }
  if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) {
    return { kind: 'unreachable' };
  }
  return { kind: 'failed' };
}

/** Whether sending the same file again may succeed. */
export function isRetryable(problem: UploadProblem): boolean {
  return problem.kind === 'unreachable' || problem.kind === 'failed';
}

export function uploadProblemText(
  problem: UploadProblem,
  name: string,
  t: TFunction,
  language: string,
): string {
  switch (problem.kind) {
    case 'type_not_allowed':
      return problem.extension === null
        ? t('attachments.noExtensionNotAllowed', { name })
        : t('attachments.typeNotAllowed', { name, extension: problem.extension });
    case 'too_large':
      return problem.maxMegabytes === null
        ? t('attachments.tooLargeUnknown', { name })
        : t('attachments.tooLarge', { name, max: formatMegabytes(problem.maxMegabytes, language) });
    case 'quota_exceeded':
      return t('attachments.quotaExceeded', { name });
    case 'unreachable':
      return t('attachments.unreachable', { name });
    case 'failed':
      return t('attachments.failed', { name });
  }
}
