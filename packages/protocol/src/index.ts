export { PROTOCOL_VERSION, MIN_SUPPORTED_PROTOCOL_VERSION } from './version.js';
export type { ErrorCode, ErrorBody, FieldError } from './errors.js';
export { ERROR_CODES, errorBodySchema } from './errors.js';
export * from './identity.js';
export * from './api.js';
export * from './ws.js';
export * from './messaging.js';
export * from './envelope.js';
export * from './content.js';
