export { base64urlDecode, base64urlEncode } from './base64url.js';
export { constantTimeEqual } from './constant-time.js';
export { randomBytes, randomToken, TOKEN_BYTES } from './random.js';
export { sha256, hashToken } from './hash.js';
