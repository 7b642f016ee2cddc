/** Wire protocol version spoken by this build. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Oldest client protocol version the server still accepts. */
export const MIN_SUPPORTED_PROTOCOL_VERSION = 1;
