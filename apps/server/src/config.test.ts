import { createECDH } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_REFERENCE, ConfigError, loadConfig } from './config.js';

/** The ConfigError loadConfig throws for env; fails the test when it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

const DAY_MS = 24 * 3600_000;
/** A directory with an index.html: apps/web itself holds the unbuilt placeholder page. */
const webRoot = path.resolve(import.meta.dirname, '../../web');
const MiB = 1024 * 1024;

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      databaseUrl: null,
      publicUrl: 'http://localhost:8080',
      logLevel: 'info',
      trustProxy: false,
      sessionTtlMs: 30 * DAY_MS,
      setupLinkTtlMs: DAY_MS,
      databaseMaxConnections: 10,
      historyQuotaBytes: 256 * 1024 * 1024,
      rateLimitPerMinute: 600,
      blobStore: { kind: 'filesystem', directory: path.resolve('./data/blobs') },
      maxFileBytes: 4096 * MiB,
      fileQuotaBytes: 100 * 1024 * MiB,
      push: { vapidKeys: null, vapidSubject: null, allowLoopback: false },
      webRoot: null,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ AMTSBOTE_PORT: '', AMTSBOTE_DATABASE_URL: '' })).toMatchObject({
      port: 8080,
      databaseUrl: null,
    });
  });

  it('ignores variables without the AMTSBOTE_ prefix', () => {
    expect(loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' }).port).toBe(8080);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      AMTSBOTE_PORT: '9000',
      AMTSBOTE_HOST: '127.0.0.1',
      AMTSBOTE_DATA_DIR: '/var/lib/amtsbote',
      AMTSBOTE_DATABASE_URL: 'postgresql://amtsbote:pw@db:5432/amtsbote',
      AMTSBOTE_PUBLIC_URL: 'https://bote.example.de/',
      AMTSBOTE_LOG_LEVEL: 'warn',
      AMTSBOTE_TRUST_PROXY: 'true',
      AMTSBOTE_SESSION_TTL_DAYS: '7',
      AMTSBOTE_SETUP_LINK_TTL_HOURS: '2',
      AMTSBOTE_DATABASE_MAX_CONNECTIONS: '25',
      AMTSBOTE_RATE_LIMIT_PER_MINUTE: '6000',
      AMTSBOTE_HISTORY_QUOTA_MB: '3',
      AMTSBOTE_MAX_FILE_MB: '50',
      AMTSBOTE_FILE_QUOTA_GB: '2',
      AMTSBOTE_WEB_ROOT: webRoot,
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      dataDir: path.resolve('/var/lib/amtsbote'),
      databaseUrl: 'postgresql://amtsbote:pw@db:5432/amtsbote',
      publicUrl: 'https://bote.example.de',
      logLevel: 'warn',
      trustProxy: true,
      sessionTtlMs: 7 * DAY_MS,
      setupLinkTtlMs: 2 * 3600_000,
      databaseMaxConnections: 25,
      historyQuotaBytes: 3 * 1024 * 1024,
      rateLimitPerMinute: 6000,
      blobStore: { kind: 'filesystem', directory: path.resolve('/var/lib/amtsbote/blobs') },
      maxFileBytes: 50 * MiB,
      fileQuotaBytes: 2 * 1024 * MiB,
      push: { vapidKeys: null, vapidSubject: 'https://bote.example.de', allowLoopback: false },
      webRoot: path.resolve(webRoot),
    });
  });

  it('refuses a web root without a build', () => {
    const error = configError({ AMTSBOTE_WEB_ROOT: path.join(webRoot, 'no-such-build') });
    expect(error.problems).toEqual([
      'AMTSBOTE_WEB_ROOT: no web app build (index.html) in this directory',
    ]);
  });

  it('derives the public URL from the port when it is not set', () => {
    expect(loadConfig({ AMTSBOTE_PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
  });

  it('accepts port 0, which lets the system choose', () => {
    expect(loadConfig({ AMTSBOTE_PORT: '0' }).port).toBe(0);
  });

  it('rejects a port that is not a number and names AMTSBOTE_PORT', () => {
    const error = configError({ AMTSBOTE_PORT: 'abc' });
    expect(error.code).toBe('invalid_configuration');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^AMTSBOTE_PORT: /);
    expect(error.message).toContain('AMTSBOTE_PORT');
  });

  it('rejects a port above 65535', () => {
    expect(configError({ AMTSBOTE_PORT: '65536' }).problems[0]).toMatch(/^AMTSBOTE_PORT: /);
  });

  it('rejects a database URL that is not postgres and names AMTSBOTE_DATABASE_URL', () => {
    const error = configError({ AMTSBOTE_DATABASE_URL: 'mysql://u:SECRETPW@h/db' });
    expect(error.problems).toEqual([expect.stringMatching(/^AMTSBOTE_DATABASE_URL: /)]);
  });

  it('never repeats the value of a rejected database URL, which may hold a password', () => {
    const error = configError({
      AMTSBOTE_DATABASE_URL: 'mysql://u:SECRETPW@h/db',
      AMTSBOTE_PORT: 'abc',
    });
    expect(error.problems).toHaveLength(2);
    expect(error.message).not.toContain('SECRETPW');
    expect(error.problems.join('\n')).not.toContain('SECRETPW');
    expect(String(error.stack)).not.toContain('SECRETPW');
  });

  it('rejects a public URL that is not http or https and names AMTSBOTE_PUBLIC_URL', () => {
    for (const value of ['ftp://bote.example.de', 'not a url']) {
      const error = configError({ AMTSBOTE_PUBLIC_URL: value });
      expect(error.problems).toEqual([expect.stringMatching(/^AMTSBOTE_PUBLIC_URL: /)]);
      expect(error.message).not.toContain(value);
    }
  });

  it('names each bad variable when several are wrong', () => {
    const error = configError({
      AMTSBOTE_PORT: 'abc',
      AMTSBOTE_LOG_LEVEL: 'loud',
      AMTSBOTE_TRUST_PROXY: 'yes',
      AMTSBOTE_SESSION_TTL_DAYS: '0',
    });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AMTSBOTE_LOG_LEVEL',
      'AMTSBOTE_PORT',
      'AMTSBOTE_SESSION_TTL_DAYS',
      'AMTSBOTE_TRUST_PROXY',
    ]);
  });
});

describe('loadConfig: blob store', () => {
  const S3_ENV = {
    AMTSBOTE_BLOB_STORE: 's3',
    AMTSBOTE_S3_ENDPOINT: 'https://s3.example.de',
    AMTSBOTE_S3_BUCKET: 'amtsbote-files',
    AMTSBOTE_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AMTSBOTE_S3_SECRET_ACCESS_KEY: 'Geheim/Schluessel+42',
  };

  it('keeps files in <data dir>/blobs on the filesystem by default', () => {
    expect(loadConfig({ AMTSBOTE_DATA_DIR: '/srv/bote' }).blobStore).toEqual({
      kind: 'filesystem',
      directory: path.resolve('/srv/bote/blobs'),
    });
    expect(loadConfig({ AMTSBOTE_BLOB_STORE: 'filesystem' }).blobStore.kind).toBe('filesystem');
  });

  it('reads the S3 variables, with us-east-1 when no region is set', () => {
    expect(loadConfig(S3_ENV).blobStore).toEqual({
      kind: 's3',
      endpoint: 'https://s3.example.de',
      bucket: 'amtsbote-files',
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'Geheim/Schluessel+42',
    });
    expect(loadConfig({ ...S3_ENV, AMTSBOTE_S3_REGION: 'eu-central-1' }).blobStore).toMatchObject({
      region: 'eu-central-1',
    });
  });

  it('names each S3 variable that AMTSBOTE_BLOB_STORE=s3 needs and that is missing', () => {
    const error = configError({ AMTSBOTE_BLOB_STORE: 's3', AMTSBOTE_S3_BUCKET: 'files' });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AMTSBOTE_S3_ACCESS_KEY_ID',
      'AMTSBOTE_S3_ENDPOINT',
      'AMTSBOTE_S3_SECRET_ACCESS_KEY',
    ]);
  });

  it('refuses S3 variables when the blob store is not s3, so files do not land on disk unnoticed', () => {
    const error = configError({ ...S3_ENV, AMTSBOTE_BLOB_STORE: 'filesystem' });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AMTSBOTE_S3_ACCESS_KEY_ID',
      'AMTSBOTE_S3_BUCKET',
      'AMTSBOTE_S3_ENDPOINT',
      'AMTSBOTE_S3_SECRET_ACCESS_KEY',
    ]);
    expect(error.message).not.toContain('Geheim/Schluessel+42');
  });

  it('rejects an unknown blob store, a bad endpoint, bucket and region, naming each', () => {
    expect(configError({ AMTSBOTE_BLOB_STORE: 'ftp' }).problems).toEqual([
      expect.stringMatching(/^AMTSBOTE_BLOB_STORE: /),
    ]);
    const error = configError({
      ...S3_ENV,
      AMTSBOTE_S3_ENDPOINT: 'ftp://s3.example.de',
      AMTSBOTE_S3_BUCKET: 'Files_With_Capitals',
      AMTSBOTE_S3_REGION: 'EU Central',
    });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AMTSBOTE_S3_BUCKET',
      'AMTSBOTE_S3_ENDPOINT',
      'AMTSBOTE_S3_REGION',
    ]);
  });

  it('never repeats the S3 secret access key when the configuration is refused', () => {
    const secret = 'Geheim'.repeat(200);
    for (const env of [
      { ...S3_ENV, AMTSBOTE_S3_SECRET_ACCESS_KEY: secret, AMTSBOTE_PORT: 'abc' },
      { AMTSBOTE_S3_SECRET_ACCESS_KEY: secret },
    ]) {
      const error = configError(env);
      expect(error.problems.join('\n')).not.toContain('Geheim');
      expect(error.message).not.toContain('Geheim');
      expect(String(error.stack)).not.toContain('Geheim');
    }
  });
});

describe('loadConfig: files', () => {
  it('reads the largest file and the organization quota in MiB and GiB', () => {
    expect(loadConfig({ AMTSBOTE_MAX_FILE_MB: '1', AMTSBOTE_FILE_QUOTA_GB: '1' })).toMatchObject({
      maxFileBytes: MiB,
      fileQuotaBytes: 1024 * MiB,
    });
  });

  it('rejects a file size or quota that is not a positive number, naming each', () => {
    for (const value of ['0', '-1', 'viel', '1.5']) {
      const error = configError({ AMTSBOTE_MAX_FILE_MB: value, AMTSBOTE_FILE_QUOTA_GB: value });
      expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'AMTSBOTE_FILE_QUOTA_GB',
        'AMTSBOTE_MAX_FILE_MB',
      ]);
    }
  });

  it('rejects a rate limit that is not a positive number', () => {
    for (const value of ['0', '-5', 'viele', '2.5']) {
      const error = configError({ AMTSBOTE_RATE_LIMIT_PER_MINUTE: value });
      expect(error.problems.map((p) => p.split(':')[0])).toEqual([
        'AMTSBOTE_RATE_LIMIT_PER_MINUTE',
      ]);
    }
  });

  it('documents both variables with their defaults', () => {
    expect(CONFIG_REFERENCE).toContainEqual(['AMTSBOTE_MAX_FILE_MB', '4096', expect.any(String)]);
    expect(CONFIG_REFERENCE).toContainEqual(['AMTSBOTE_FILE_QUOTA_GB', '100', expect.any(String)]);
  });

  describe('web push', () => {
    const pair = (): { privateKey: string; publicKey: string } => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const scalar = Buffer.alloc(32);
      const raw = ecdh.getPrivateKey();
      raw.copy(scalar, 32 - raw.length);
      return {
        privateKey: scalar.toString('base64url'),
        publicKey: ecdh.getPublicKey('base64url', 'uncompressed'),
      };
    };

    it('reads the VAPID pair, the subject and the loopback flag', () => {
      const keys = pair();
      expect(
        loadConfig({
          AMTSBOTE_VAPID_PRIVATE_KEY: keys.privateKey,
          AMTSBOTE_VAPID_PUBLIC_KEY: keys.publicKey,
          AMTSBOTE_VAPID_SUBJECT: 'mailto:it-betrieb@stadt.example',
          AMTSBOTE_PUSH_ALLOW_LOOPBACK: 'true',
        }).push,
      ).toEqual({
        vapidKeys: keys,
        vapidSubject: 'mailto:it-betrieb@stadt.example',
        allowLoopback: true,
      });
    });

    it('wants both keys or neither, and the public key of the private one', () => {
      const keys = pair();
      expect(configError({ AMTSBOTE_VAPID_PRIVATE_KEY: keys.privateKey }).problems).toEqual([
        'AMTSBOTE_VAPID_PUBLIC_KEY: required when AMTSBOTE_VAPID_PRIVATE_KEY is set',
      ]);
      expect(configError({ AMTSBOTE_VAPID_PUBLIC_KEY: keys.publicKey }).problems).toEqual([
        'AMTSBOTE_VAPID_PRIVATE_KEY: required when AMTSBOTE_VAPID_PUBLIC_KEY is set',
      ]);
      expect(
        configError({
          AMTSBOTE_VAPID_PRIVATE_KEY: keys.privateKey,
          AMTSBOTE_VAPID_PUBLIC_KEY: pair().publicKey,
        }).problems,
      ).toEqual(['AMTSBOTE_VAPID_PUBLIC_KEY: is not the public key of AMTSBOTE_VAPID_PRIVATE_KEY']);
    });

    it('rejects malformed keys and subjects, naming each and echoing no key', () => {
      const secret = 'S'.repeat(42);
      const error = configError({
        AMTSBOTE_VAPID_PRIVATE_KEY: secret,
        AMTSBOTE_VAPID_PUBLIC_KEY: 'x',
        AMTSBOTE_VAPID_SUBJECT: 'http://stadt.example',
        AMTSBOTE_PUSH_ALLOW_LOOPBACK: 'yes',
      });
      expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'AMTSBOTE_PUSH_ALLOW_LOOPBACK',
        'AMTSBOTE_VAPID_PRIVATE_KEY',
        'AMTSBOTE_VAPID_PUBLIC_KEY',
        'AMTSBOTE_VAPID_SUBJECT',
      ]);
      expect(error.message).not.toContain(secret);
    });

    it('refuses a private key that is not on the curve', () => {
      const keys = pair();
      const zero = Buffer.alloc(32).toString('base64url');
      expect(
        configError({ AMTSBOTE_VAPID_PRIVATE_KEY: zero, AMTSBOTE_VAPID_PUBLIC_KEY: keys.publicKey })
          .problems,
      ).toEqual(['AMTSBOTE_VAPID_PRIVATE_KEY: is not a valid P-256 private key']);
    });

    it('documents the variables', () => {
      for (const name of [
        'AMTSBOTE_VAPID_PRIVATE_KEY',
        'AMTSBOTE_VAPID_PUBLIC_KEY',
        'AMTSBOTE_VAPID_SUBJECT',
        'AMTSBOTE_PUSH_ALLOW_LOOPBACK',
      ]) {
        expect(CONFIG_REFERENCE.map(([variable]) => variable)).toContain(name);
      }
    });
  });
});
