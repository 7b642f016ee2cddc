/*
 * The entry `@amtsbote/client/transfer-link`: what a transfer link's download page needs, and
 * nothing else, so a browser bundle of it holds neither the messaging client, MLS nor the
 * upload code. openTransferLink throws ApiError (the server's answer) and FileCryptoError (a
 * damaged link, or a file that does not authenticate); both are exported here for the page to
 * tell them apart.
 */
export { FileCryptoError, type FileCryptoErrorCode } from '@amtsbote/crypto';
export { ApiError } from './http-api.js';
export {
  openTransferLink,
  parseTransferLink,
  type OpenTransferOptions,
  type OpenedTransfer,
  type TransferLink,
} from './files/transfer-link.js';
