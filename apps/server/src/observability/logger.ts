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

interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly ip?: string;
}

/**
 * Request lines carry method, path and client address. The query string is dropped: our
 * clients never put secrets there, but a careless one might, and logs are kept for a long time.
 */
function serializeRequest(request: LoggedRequest): Record<string, string | undefined> {
  return {
    method: request.method,
    path: request.url?.split('?', 1)[0],
    remoteAddress: request.ip,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'amtsbote' },
    serializers: { req: serializeRequest },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
