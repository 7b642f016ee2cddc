import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths removed from every log line. Request bodies are never logged at all; these catch
 * headers and any object that is logged by mistake with a secret inside.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  '*.password',
  '*.token',
  '*.passwordHash',
  '*.tokenHash',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'amtsbote' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
