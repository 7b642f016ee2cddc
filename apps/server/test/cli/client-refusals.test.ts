import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { base64urlEncode, generateStorageKeyBytes } from '@amtsbote/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { startMessagingServer } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  ClientCli,
  ORG,
  PASSWORD,
  createMember,
  exists,
  removeDir,
  snapshot,
  tempDir,
} from './client-cli.js';

/* `amtsbote client` refusing bad input: clear codes, non-zero exit codes, nothing written, and
   never a password in the output. */

describe('amtsbote client refusals', () => {
  let server: TestServer;
  let root: string;
  let cli: ClientCli;

  const loginArgs = (profile: string, username: string): string[] => [
    ...['--server', server.baseUrl, '--profile', profile, 'login'],
    ...['--org', ORG, '--username', username, '--password-stdin'],
  ];

  beforeAll(async () => {
    server = await startMessagingServer();
    root = await tempDir();
    cli = new ClientCli(server);
  });

  afterAll(async () => {
    await server.close();
    await removeDir(root);
  });

  it('refuses a profile directory that does not exist, and creates none', async () => {
    const missing = path.join(root, 'gibt-es-nicht');
    const refusal = await cli.refusal(['--profile', missing, 'conversation', 'list']);
    expect(refusal).toEqual({ exitCode: 2, code: 'no_profile' });
    expect(await exists(missing)).toBe(false);
  });

  it('refuses a directory without a key file and leaves it empty', async () => {
    const empty = path.join(root, 'leer');
    await mkdir(empty);
    const refusal = await cli.refusal(['--profile', empty, 'messages', '--conversation', 'x']);
    expect(refusal).toEqual({ exitCode: 2, code: 'no_profile' });
    expect(await readdir(empty)).toEqual([]);
  });

  it('refuses a profile opened with another key and writes nothing to it', async () => {
    const person = await createMember(server, 'falk-fremd');
    const profile = path.join(root, 'falk');
    await cli.login(profile, person.username);
    await writeFile(path.join(profile, 'profile.key'), base64urlEncode(generateStorageKeyBytes()), {
      mode: 0o600,
    });
    const before = await snapshot(profile);
    const refusal = await cli.refusal(['--profile', profile, 'conversation', 'list']);
    expect(refusal).toEqual({ exitCode: 2, code: 'wrong_profile_key' });
    expect(await snapshot(profile)).toEqual(before);
  });

  it('refuses a key file that others may read', async () => {
    const person = await createMember(server, 'gerd-offen');
    const profile = path.join(root, 'gerd');
    await cli.login(profile, person.username);
    await chmod(path.join(profile, 'profile.key'), 0o644);
    const refusal = await cli.refusal(['--profile', profile, 'conversation', 'list']);
    expect(refusal).toEqual({ exitCode: 2, code: 'unprotected_key_file' });
  });

  it('ends with exit code 77 when the session of the profile was ended', async () => {
    const person = await createMember(server, 'hanna-weg');
    const profile = path.join(root, 'hanna');
    await cli.login(profile, person.username);
    await runAdminCommand(
      server.handle.identity,
      adminCommandSchema.parse({ command: 'disable-user', org: ORG, username: person.username }),
    );
    const result = await cli.run(['--profile', profile, 'conversation', 'list', '--json']);
    expect(result.code).toBe(77);
    expect(result.stderr).toContain('the session of this profile has ended');
  });

  it('refuses a wrong password without creating the profile or printing the password', async () => {
    const person = await createMember(server, 'ilse-irrtum');
    const profile = path.join(root, 'ilse');
    const wrong = 'falsches Passwort 123';
    const refusal = await cli.refusal(loginArgs(profile, person.username), `${wrong}\n`);
    expect(refusal).toEqual({ exitCode: 2, code: 'invalid_credentials' });
    expect(await exists(profile)).toBe(false);
    expect(cli.printed.join('\n')).not.toContain(wrong);
  });

  it('does not take a password from the command line', async () => {
    const person = await createMember(server, 'jan-argv');
    const profile = path.join(root, 'jan');
    const result = await cli.run([
      ...['--server', server.baseUrl, '--profile', profile, 'login'],
      ...['--org', ORG, '--username', person.username, '--password', PASSWORD],
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown option '--password'");
    expect(await exists(profile)).toBe(false);

    const withoutStdin = await cli.refusal([
      ...['--server', server.baseUrl, '--profile', profile, 'login'],
      ...['--org', ORG, '--username', person.username],
    ]);
    expect(withoutStdin).toEqual({ exitCode: 2, code: 'missing_password' });
    expect(await exists(profile)).toBe(false);
  });

  it('refuses a plain login of a further device, naming --link and --recovery-key-stdin', async () => {
    const person = await createMember(server, 'karl-zweit');
    await cli.login(path.join(root, 'karl-1'), person.username);
    const second = path.join(root, 'karl-2');
    const result = await cli.run(
      [...loginArgs(second, person.username), '--json'],
      `${PASSWORD}\n`,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error (device_approval_required): ');
    expect(result.stderr).toContain('--link');
    expect(result.stderr).toContain('--recovery-key-stdin');
    expect(await exists(second)).toBe(false);
  });

  it('refuses --link and --recovery-key-stdin for a user without a device, and both at once', async () => {
    const person = await createMember(server, 'mia-neu');
    const profile = path.join(root, 'mia');
    const linkRefusal = await cli.refusal(
      [...loginArgs(profile, person.username), '--link'],
      `${PASSWORD}\n`,
    );
    expect(linkRefusal).toEqual({ exitCode: 2, code: 'no_device_yet' });
    const both = await cli.refusal(
      [...loginArgs(profile, person.username), '--link', '--recovery-key-stdin'],
      `${PASSWORD}\nABCD\n`,
    );
    expect(both).toEqual({ exitCode: 2, code: 'conflicting_options' });
    const missingKey = await cli.refusal(
      [...loginArgs(profile, person.username), '--recovery-key-stdin'],
      `${PASSWORD}\n`,
    );
    expect(missingKey).toEqual({ exitCode: 2, code: 'missing_recovery_key' });
    expect(await exists(profile)).toBe(false);
  });

  it('refuses to create a profile in a directory that is not empty', async () => {
    const person = await createMember(server, 'lena-voll');
    const profile = path.join(root, 'lena');
    await mkdir(profile);
    await writeFile(path.join(profile, 'notiz.txt'), 'schon da');
    const refusal = await cli.refusal(loginArgs(profile, person.username), `${PASSWORD}\n`);
    expect(refusal).toEqual({ exitCode: 2, code: 'profile_exists' });
    expect(await readdir(profile)).toEqual(['notiz.txt']);
  });

  it('never printed the password', () => {
    expect(cli.printed.join('\n')).not.toContain(PASSWORD);
  });
});
