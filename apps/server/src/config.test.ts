import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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
      AMTSBOTE_HISTORY_QUOTA_MB: '3',
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
    });
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
