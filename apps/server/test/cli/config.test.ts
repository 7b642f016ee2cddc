import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CliProcesses,
  ensureCliBuilt,
  freePort,
  makeTempDir,
  removeDir,
} from '../support/cli-process.js';

/** sysexits.h EX_CONFIG: what `amtsbote` returns for a configuration it refuses. */
const EX_CONFIG = 78;

const ALL_VARIABLES = [
  'AMTSBOTE_PORT',
  'AMTSBOTE_HOST',
  'AMTSBOTE_DATA_DIR',
  'AMTSBOTE_DATABASE_URL',
  'AMTSBOTE_PUBLIC_URL',
  'AMTSBOTE_LOG_LEVEL',
  'AMTSBOTE_TRUST_PROXY',
  'AMTSBOTE_SESSION_TTL_DAYS',
  'AMTSBOTE_SETUP_LINK_TTL_HOURS',
  'AMTSBOTE_DATABASE_MAX_CONNECTIONS',
] as const;

const processes = new CliProcesses();
let root: string;
let port: number;

/** A data directory that does not exist yet: a refused configuration must not create it. */
const dataDir = (): string => path.join(root, 'data');

const namedVariables = (stderr: string): string[] =>
  ALL_VARIABLES.filter((name) => new RegExp(`\\b${name}\\b`).test(stderr));

describe('amtsbote configuration', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
    root = await makeTempDir();
    port = await freePort();
  }, 240_000);
  afterEach(async () => {
    await processes.killAll();
  });
  afterAll(async () => {
    await removeDir(root);
  });

  it.each([
    ['AMTSBOTE_PORT', 'abc'],
    ['AMTSBOTE_PORT', '70000'],
    ['AMTSBOTE_DATABASE_URL', 'mysql://x'],
    ['AMTSBOTE_PUBLIC_URL', 'notaurl'],
    ['AMTSBOTE_PUBLIC_URL', 'ftp://chat.stadt-musterstadt.de'],
    ['AMTSBOTE_LOG_LEVEL', 'loud'],
  ])('refuses to serve with %s=%s, naming only that variable', async (name, value) => {
    const result = await processes.run(['serve'], {
      env: {
        AMTSBOTE_DATA_DIR: dataDir(),
        AMTSBOTE_HOST: '127.0.0.1',
        AMTSBOTE_PORT: String(port),
        [name]: value,
      },
    });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain('invalid configuration');
    expect(namedVariables(result.stderr)).toEqual([name]);
    expect(result.stdout).not.toContain('Amtsbote is running');
    expect(existsSync(dataDir())).toBe(false);
  });

  it('names every bad variable at once', async () => {
    const result = await processes.run(['serve'], {
      env: {
        AMTSBOTE_DATA_DIR: dataDir(),
        AMTSBOTE_PORT: 'abc',
        AMTSBOTE_LOG_LEVEL: 'loud',
        AMTSBOTE_SESSION_TTL_DAYS: '0',
      },
    });
    expect(result.code).toBe(EX_CONFIG);
    expect(namedVariables(result.stderr)).toEqual([
      'AMTSBOTE_PORT',
      'AMTSBOTE_LOG_LEVEL',
      'AMTSBOTE_SESSION_TTL_DAYS',
    ]);
  });

  it('does not echo a refused database URL, which may carry a password', async () => {
    const result = await processes.run(['serve'], {
      env: {
        AMTSBOTE_DATA_DIR: dataDir(),
        AMTSBOTE_DATABASE_URL: 'mysql://amtsbote:Geheim-Passwort-42@db.intern/amtsbote',
      },
    });
    expect(result.code).toBe(EX_CONFIG);
    expect(namedVariables(result.stderr)).toEqual(['AMTSBOTE_DATABASE_URL']);
    expect(result.stderr + result.stdout).not.toContain('Geheim-Passwort-42');
  });

  it('refuses admin and migrate commands with a bad configuration before touching storage', async () => {
    const env = { AMTSBOTE_DATA_DIR: dataDir(), AMTSBOTE_DATABASE_URL: 'mysql://x' };
    for (const args of [['migrate'], ['admin', 'list-orgs', '--json']]) {
      const result = await processes.run(args, { env });
      expect(result.code, args.join(' ')).toBe(EX_CONFIG);
      expect(namedVariables(result.stderr), args.join(' ')).toEqual(['AMTSBOTE_DATABASE_URL']);
    }
    expect(existsSync(dataDir())).toBe(false);
  });

  it('lists every environment variable with its default in --help', async () => {
    const result = await processes.run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\nEnvironment:\n');
    const environment = result.stdout.slice(result.stdout.indexOf('\nEnvironment:\n'));
    for (const name of ALL_VARIABLES) {
      expect(environment).toMatch(new RegExp(`^ {2}${name}\\s+\\S.*\\(default .+\\)$`, 'm'));
    }
    expect(environment).toMatch(/AMTSBOTE_PORT\s.*\(default 8080\)/);
  });

  it('prints help even when the environment holds a bad value', async () => {
    const result = await processes.run(['--help'], { env: { AMTSBOTE_PORT: 'abc' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('AMTSBOTE_PORT');
    expect(result.stderr).toBe('');
  });
});
