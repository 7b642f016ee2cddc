import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { userViewSchema, type UserView } from '@amtsbote/protocol';
import { expect } from 'vitest';
import { z } from 'zod';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { main, type CliIo } from '../../src/cli/main.js';
import type { TestServer } from '../support/test-server.js';

/* Runs `amtsbote client …` in this process through main(argv, io), with standard input and
   output captured, against a real server. Every printed line is kept for the password check. */

export const ORG = 'stadt-musterstadt';
export const PASSWORD = 'Passphrase-des-Skripts 7x!';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const cliErrorSchema = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string().min(1) }),
});

export const loginResultSchema = z.strictObject({
  userId: z.uuid(),
  deviceId: z.uuid(),
  organization: z.literal(ORG),
  username: z.string(),
  expiresAt: z.iso.datetime({ offset: true }),
  /** Printed once, by the user's first device only. */
  recoveryKey: z.string().nullable(),
});

export class ClientCli {
  /** Everything any command printed, to check that no secret ever appears in it. */
  readonly printed: string[] = [];
  readonly #server: TestServer;

  constructor(server: TestServer) {
    this.#server = server;
  }

  /** Runs one command; onStdout sees each piece of output as it is printed (a waiting login). */
  async run(
    args: readonly string[],
    stdin = '',
    onStdout: (text: string) => void = () => undefined,
  ): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      env: {},
      stdout: (text) => {
        stdout += text;
        onStdout(text);
      },
      stderr: (text) => {
        stderr += text;
      },
      readStdin: () => Promise.resolve(stdin),
    };
    const code = await main(['client', ...args], io);
    this.printed.push(stdout, stderr);
    return { code, stdout, stderr };
  }

  /** Runs a command of the profile with --json, expects success and returns the parsed answer. */
  async json(profile: string, args: readonly string[]): Promise<unknown> {
    const result = await this.run(['--profile', profile, ...args, '--json']);
    expect(result.code, `client ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  }

  /** Runs with --json, expects a refusal and returns its exit code and error code. */
  async refusal(args: readonly string[], stdin = ''): Promise<{ exitCode: number; code: string }> {
    const result = await this.run([...args, '--json'], stdin);
    expect(result.code, `client ${args.join(' ')} should fail`).not.toBe(0);
    const { error } = cliErrorSchema.parse(JSON.parse(result.stdout));
    expect(result.stderr).toContain(`error (${error.code}): `);
    return { exitCode: result.code, code: error.code };
  }

  async login(profile: string, username: string): Promise<z.infer<typeof loginResultSchema>> {
    const result = await this.run(
      [
        ...['--server', this.#server.baseUrl, '--profile', profile, 'login'],
        ...['--org', ORG, '--username', username, '--password-stdin', '--json'],
      ],
      `${PASSWORD}\n`,
    );
    expect(result.code, `login ${username}: ${result.stderr}`).toBe(0);
    return loginResultSchema.parse(JSON.parse(result.stdout));
  }
}

export async function createMember(server: TestServer, username: string): Promise<UserView> {
  const result = await runAdminCommand(
    server.handle.identity,
    adminCommandSchema.parse({
      command: 'create-user',
      org: ORG,
      username,
      displayName: `Person ${username}`,
      role: 'member',
      password: PASSWORD,
    }),
  );
  return userViewSchema.parse(result);
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'amtsbote-client-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Every file below dir with its size and modification time: "nothing was written" checks. */
export async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && e.name !== 'lock');
  return Promise.all(
    files.map(async (e) => {
      const file = path.join(e.parentPath, e.name);
      const info = await stat(file);
      return `${path.relative(dir, file)} ${info.size} ${info.mtimeMs}`;
    }),
  ).then((lines) => lines.sort());
}
