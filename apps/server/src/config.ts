import path from 'node:path';
import { z } from 'zod';

/** Every setting comes from an AMTSBOTE_* environment variable and is validated at start. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInt = z.coerce.number().int().min(1);

const envSchema = z.object({
  AMTSBOTE_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number (0-65535)')
    .transform(Number)
    .pipe(z.number().int().max(65535, 'must be a port number (0-65535)'))
    .default(8080),
  AMTSBOTE_HOST: z.string().min(1).max(255).default('0.0.0.0'),
  AMTSBOTE_DATA_DIR: z.string().min(1).max(4096).default('./data'),
  AMTSBOTE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  AMTSBOTE_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  AMTSBOTE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  AMTSBOTE_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  AMTSBOTE_SESSION_TTL_DAYS: positiveInt.max(365).default(30),
  AMTSBOTE_SETUP_LINK_TTL_HOURS: positiveInt.max(24 * 30).default(24),
  AMTSBOTE_DATABASE_MAX_CONNECTIONS: positiveInt.max(1000).default(10),
  AMTSBOTE_HISTORY_QUOTA_MB: positiveInt.max(1024 * 1024).default(256),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly publicUrl: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly trustProxy: boolean;
  readonly sessionTtlMs: number;
  readonly setupLinkTtlMs: number;
  readonly databaseMaxConnections: number;
  /** Per-user quota of the encrypted history backup, over all conversations. */
  readonly historyQuotaBytes: number;
}

export class ConfigError extends Error {
  readonly code = 'invalid_configuration';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('AMTSBOTE_') && value !== ''),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    // Values are not echoed: a malformed URL may carry a database password.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const publicUrl = (e.AMTSBOTE_PUBLIC_URL ?? `http://localhost:${e.AMTSBOTE_PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    port: e.AMTSBOTE_PORT,
    host: e.AMTSBOTE_HOST,
    dataDir: path.resolve(e.AMTSBOTE_DATA_DIR),
    databaseUrl: e.AMTSBOTE_DATABASE_URL ?? null,
    publicUrl,
    logLevel: e.AMTSBOTE_LOG_LEVEL,
    trustProxy: e.AMTSBOTE_TRUST_PROXY === 'true',
    sessionTtlMs: e.AMTSBOTE_SESSION_TTL_DAYS * 24 * 3600_000,
    setupLinkTtlMs: e.AMTSBOTE_SETUP_LINK_TTL_HOURS * 3600_000,
    databaseMaxConnections: e.AMTSBOTE_DATABASE_MAX_CONNECTIONS,
    historyQuotaBytes: e.AMTSBOTE_HISTORY_QUOTA_MB * 1024 * 1024,
  };
}

/** The variables and what they mean, for --help and the README. */
export const CONFIG_REFERENCE: ReadonlyArray<readonly [string, string, string]> = [
  ['AMTSBOTE_PORT', '8080', 'TCP port of the HTTP and WebSocket server'],
  ['AMTSBOTE_HOST', '0.0.0.0', 'address to listen on'],
  ['AMTSBOTE_DATA_DIR', './data', 'embedded database, admin socket and files'],
  [
    'AMTSBOTE_DATABASE_URL',
    '(embedded)',
    'postgres:// URL; when set, PostgreSQL replaces the embedded database',
  ],
  [
    'AMTSBOTE_PUBLIC_URL',
    'http://localhost:<port>',
    'URL people use; links, passkeys and the WebSocket origin check use it',
  ],
  ['AMTSBOTE_LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent'],
  ['AMTSBOTE_TRUST_PROXY', 'false', 'true behind a reverse proxy that sets X-Forwarded-For'],
  ['AMTSBOTE_SESSION_TTL_DAYS', '30', 'sessions end after this many days without use'],
  ['AMTSBOTE_SETUP_LINK_TTL_HOURS', '24', 'lifetime of the first-start setup link'],
  ['AMTSBOTE_DATABASE_MAX_CONNECTIONS', '10', 'PostgreSQL connection pool size'],
  ['AMTSBOTE_HISTORY_QUOTA_MB', '256', 'per-user space for the encrypted history backup (MiB)'],
];
