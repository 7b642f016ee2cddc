import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Every setting comes from an AMTSBOTE_* environment variable and is validated at start. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const BLOB_STORE_KINDS = ['filesystem', 's3'] as const;

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
  AMTSBOTE_RATE_LIMIT_PER_MINUTE: positiveInt.max(1_000_000).default(600),
  AMTSBOTE_HISTORY_QUOTA_MB: positiveInt.max(1024 * 1024).default(256),
  AMTSBOTE_MAX_FILE_MB: positiveInt.max(1024 * 1024).default(4096),
  AMTSBOTE_FILE_QUOTA_GB: positiveInt.max(1024 * 1024).default(100),
  AMTSBOTE_BLOB_STORE: z.enum(BLOB_STORE_KINDS).default('filesystem'),
  AMTSBOTE_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  AMTSBOTE_S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a bucket name: 3-63 lowercase letters, digits, dots and hyphens',
    )
    .optional(),
  AMTSBOTE_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'must be a region name such as eu-central-1')
    .optional(),
  AMTSBOTE_S3_ACCESS_KEY_ID: z.string().max(256).optional(),
  AMTSBOTE_S3_SECRET_ACCESS_KEY: z.string().max(1024).optional(),
  AMTSBOTE_VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key: 32 bytes in base64url')
    .optional(),
  AMTSBOTE_VAPID_PUBLIC_KEY: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{87}$/,
      'must be a P-256 public key: the uncompressed point, 65 bytes in base64url',
    )
    .optional(),
  AMTSBOTE_VAPID_SUBJECT: z
    .string()
    .max(1024)
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s]+)$/, 'must be a mailto: or https: URL')
    .optional(),
  AMTSBOTE_PUSH_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),
  AMTSBOTE_WEB_ROOT: z.string().max(4096).optional(),
});

/** With AMTSBOTE_BLOB_STORE=s3 these must be set; otherwise none of the S3 variables may be. */
const S3_REQUIRED = [
  'AMTSBOTE_S3_ENDPOINT',
  'AMTSBOTE_S3_BUCKET',
  'AMTSBOTE_S3_ACCESS_KEY_ID',
  'AMTSBOTE_S3_SECRET_ACCESS_KEY',
] as const;
const S3_VARIABLES = [...S3_REQUIRED, 'AMTSBOTE_S3_REGION'] as const;

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
  /**
   * HTTP requests one client address may make per minute (WebSocket frames are limited per
   * connection instead). Behind a reverse proxy without AMTSBOTE_TRUST_PROXY every client
   * shares the proxy's address.
   */
  readonly rateLimitPerMinute: number;
  /** Where the encrypted files are kept (ADR 0013). */
  readonly blobStore: BlobStoreConfig;
  /** The largest file upload, in ciphertext bytes (the tus Upload-Length). */
  readonly maxFileBytes: number;
  /** Per-organization space for files, uploading or complete, in ciphertext bytes. */
  readonly fileQuotaBytes: number;
  /** Web push (ADR 0015). */
  readonly push: PushConfig;
  /** The web app's build to serve; null: apps/web/dist, or the placeholder page unbuilt. */
  readonly webRoot: string | null;
}

export interface PushConfig {
  /**
   * The server's VAPID key pair (RFC 8292) from AMTSBOTE_VAPID_*, base64url; null: the pair
   * kept in <dataDir>/vapid.json, made on first start. The private key is a secret: never
   * logged, never echoed.
   */
  readonly vapidKeys: { readonly privateKey: string; readonly publicKey: string } | null;
  /** The contact push services see in the VAPID token (mailto: or https:); null: none set. */
  readonly vapidSubject: string | null;
  /**
   * For tests only: push endpoints on loopback (and http:// there) are accepted, so that a test
   * can run its own push service. Private and link-local hosts stay refused.
   */
  readonly allowLoopback: boolean;
}

export type BlobStoreConfig = FilesystemBlobStoreConfig | S3BlobStoreConfig;

export interface FilesystemBlobStoreConfig {
  readonly kind: 'filesystem';
  /** <dataDir>/blobs */
  readonly directory: string;
}

export interface S3BlobStoreConfig {
  readonly kind: 's3';
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  /** A secret, like a password in AMTSBOTE_DATABASE_URL: never logged, never echoed. */
  readonly secretAccessKey: string;
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

/** A web root that is set must hold a build: without index.html every page would fail. */
function webRootProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const root = env.AMTSBOTE_WEB_ROOT;
  if (root === undefined || existsSync(path.join(path.resolve(root), 'index.html'))) return [];
  return ['AMTSBOTE_WEB_ROOT: no web app build (index.html) in this directory'];
}

/** Reads the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('AMTSBOTE_') && value !== ''),
  );
  const parsed = envSchema.safeParse(relevant);
  const problems = [
    // Values are not echoed: a malformed URL may carry a database password.
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...blobStoreProblems(relevant),
    ...vapidProblems(relevant),
    ...webRootProblems(relevant),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
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
    rateLimitPerMinute: e.AMTSBOTE_RATE_LIMIT_PER_MINUTE,
    blobStore:
      e.AMTSBOTE_BLOB_STORE === 's3'
        ? s3BlobStoreConfig(e)
        : { kind: 'filesystem', directory: path.join(path.resolve(e.AMTSBOTE_DATA_DIR), 'blobs') },
    maxFileBytes: e.AMTSBOTE_MAX_FILE_MB * 1024 * 1024,
    fileQuotaBytes: e.AMTSBOTE_FILE_QUOTA_GB * 1024 * 1024 * 1024,
    push: {
      vapidKeys:
        e.AMTSBOTE_VAPID_PRIVATE_KEY === undefined || e.AMTSBOTE_VAPID_PUBLIC_KEY === undefined
          ? null
          : { privateKey: e.AMTSBOTE_VAPID_PRIVATE_KEY, publicKey: e.AMTSBOTE_VAPID_PUBLIC_KEY },
      vapidSubject:
        e.AMTSBOTE_VAPID_SUBJECT ??
        (publicUrl.startsWith('https://') ? new URL(publicUrl).origin : null),
      allowLoopback: e.AMTSBOTE_PUSH_ALLOW_LOOPBACK === 'true',
    },
    webRoot: e.AMTSBOTE_WEB_ROOT === undefined ? null : path.resolve(e.AMTSBOTE_WEB_ROOT),
  };
}

/**
 * The VAPID keys come as a pair or not at all, and the public key must be the private key's:
 * a mismatch would make every push service refuse every push, silently.
 */
function vapidProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const privateKey = env['AMTSBOTE_VAPID_PRIVATE_KEY'];
  const publicKey = env['AMTSBOTE_VAPID_PUBLIC_KEY'];
  if (privateKey === undefined && publicKey === undefined) return [];
  if (privateKey === undefined) {
    return ['AMTSBOTE_VAPID_PRIVATE_KEY: required when AMTSBOTE_VAPID_PUBLIC_KEY is set'];
  }
  if (publicKey === undefined) {
    return ['AMTSBOTE_VAPID_PUBLIC_KEY: required when AMTSBOTE_VAPID_PRIVATE_KEY is set'];
  }
  // Malformed values are reported by the schema already.
  if (!/^[A-Za-z0-9_-]{43}$/.test(privateKey) || !/^[A-Za-z0-9_-]{87}$/.test(publicKey)) return [];
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  } catch {
    return ['AMTSBOTE_VAPID_PRIVATE_KEY: is not a valid P-256 private key'];
  }
  return ecdh.getPublicKey('base64url', 'uncompressed') === publicKey
    ? []
    : ['AMTSBOTE_VAPID_PUBLIC_KEY: is not the public key of AMTSBOTE_VAPID_PRIVATE_KEY'];
}

function s3BlobStoreConfig(e: z.infer<typeof envSchema>): S3BlobStoreConfig {
  const endpoint = e.AMTSBOTE_S3_ENDPOINT;
  const bucket = e.AMTSBOTE_S3_BUCKET;
  const accessKeyId = e.AMTSBOTE_S3_ACCESS_KEY_ID;
  const secretAccessKey = e.AMTSBOTE_S3_SECRET_ACCESS_KEY;
  // blobStoreProblems refuses a configuration that lacks one of them.
  assert(
    endpoint !== undefined &&
      bucket !== undefined &&
      accessKeyId !== undefined &&
      secretAccessKey !== undefined,
  );
  const region = e.AMTSBOTE_S3_REGION ?? 'us-east-1';
  return { kind: 's3', endpoint, bucket, region, accessKeyId, secretAccessKey };
}

/**
 * The S3 variables that are missing for AMTSBOTE_BLOB_STORE=s3, or set without it: an operator
 * who forgot AMTSBOTE_BLOB_STORE would otherwise fill the local disk believing files go to S3.
 */
function blobStoreProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const kind = env['AMTSBOTE_BLOB_STORE'] ?? 'filesystem';
  if (kind === 's3') {
    return S3_REQUIRED.filter((name) => env[name] === undefined).map(
      (name) => `${name}: required when AMTSBOTE_BLOB_STORE is s3`,
    );
  }
  if (kind === 'filesystem') {
    return S3_VARIABLES.filter((name) => env[name] !== undefined).map(
      (name) => `${name}: only used when AMTSBOTE_BLOB_STORE is s3`,
    );
  }
  return [];
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
  ['AMTSBOTE_RATE_LIMIT_PER_MINUTE', '600', 'HTTP requests per client address and minute'],
  ['AMTSBOTE_HISTORY_QUOTA_MB', '256', 'per-user space for the encrypted history backup (MiB)'],
  ['AMTSBOTE_MAX_FILE_MB', '4096', 'largest encrypted file a device may upload (MiB)'],
  [
    'AMTSBOTE_FILE_QUOTA_GB',
    '100',
    'per-organization space for encrypted files, finished or still uploading (GiB)',
  ],
  [
    'AMTSBOTE_BLOB_STORE',
    'filesystem',
    'where encrypted files are kept: filesystem (<data dir>/blobs) or s3',
  ],
  ['AMTSBOTE_S3_ENDPOINT', '(none)', 'http:// or https:// URL of the S3-compatible storage'],
  ['AMTSBOTE_S3_BUCKET', '(none)', 'bucket for the encrypted files'],
  ['AMTSBOTE_S3_REGION', 'us-east-1', 'region of the bucket'],
  ['AMTSBOTE_S3_ACCESS_KEY_ID', '(none)', 'access key id for the bucket'],
  ['AMTSBOTE_S3_SECRET_ACCESS_KEY', '(none)', 'secret access key for the bucket; never logged'],
  [
    'AMTSBOTE_VAPID_PRIVATE_KEY',
    '(<data dir>/vapid.json)',
    'web push signing key (P-256, base64url); set on every node of a cluster; never logged',
  ],
  ['AMTSBOTE_VAPID_PUBLIC_KEY', '(<data dir>/vapid.json)', 'its public key (base64url)'],
  [
    'AMTSBOTE_VAPID_SUBJECT',
    '(public URL if https)',
    'contact for push services: mailto: or https: URL',
  ],
  [
    'AMTSBOTE_PUSH_ALLOW_LOOPBACK',
    'false',
    'tests only: accept push endpoints on loopback, also over http',
  ],
  ['AMTSBOTE_WEB_ROOT', 'apps/web/dist', "directory of the web app's build that the server serves"],
];
