import { ERRORS } from '@tus/server';
import { isBlobId, type BlobId } from './blob-id.js';

export type TusErrorName = keyof typeof ERRORS;

/** Throws one of tus's own error objects, which its handlers turn into protocol responses. */
export function throwTusError(name: TusErrorName): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- tus handlers recognise these plain objects by identity and answer with their status codes
  throw ERRORS[name];
}

export function isTusError(error: unknown, name: TusErrorName): boolean {
  return error === ERRORS[name];
}

/**
 * The blob id of a tus upload. An id that is not one of ours comes from a URL a client made up:
 * for tus that upload simply does not exist.
 */
export function uploadBlobId(id: string): BlobId {
  if (!isBlobId(id)) throwTusError('FILE_NOT_FOUND');
  return id;
}
