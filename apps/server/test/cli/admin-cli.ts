import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { organizationViewSchema, userViewSchema, type UserView } from '@amtsbote/protocol';
import { expect } from 'vitest';
import { z } from 'zod';
import type { CliProcesses, CliResult } from '../support/cli-process.js';

/* Runs `amtsbote admin …` as a child process and reads its answers. */

const ADMIN_TIMEOUT_MS = 90_000;

export const adminErrorSchema = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string().min(1) }),
});

export interface AdminRefusal {
  readonly exitCode: number | null;
  readonly code: string;
  readonly message: string;
}

export interface AdminCli {
  run(args: readonly string[], input?: string): Promise<CliResult>;
  /** Runs with --json, expects success and returns the parsed answer. */
  json(args: readonly string[], input?: string): Promise<unknown>;
  /** Runs with --json, expects a refusal: the error object on stdout, its code on stderr. */
  refusal(args: readonly string[]): Promise<AdminRefusal>;
  listUsers(org: string): Promise<UserView[]>;
  listOrgSlugs(): Promise<string[]>;
}

export function adminCli(
  processes: CliProcesses,
  env: () => Readonly<Record<string, string>>,
): AdminCli {
  const run = (args: readonly string[], input?: string): Promise<CliResult> =>
    processes.run(['admin', ...args], {
      env: env(),
      timeoutMs: ADMIN_TIMEOUT_MS,
      ...(input === undefined ? {} : { input }),
    });
  const json = async (args: readonly string[], input?: string): Promise<unknown> => {
    const result = await run([...args, '--json'], input);
    expect(result.code, `admin ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  };
  return {
    run,
    json,
    refusal: async (args) => {
      const result = await run([...args, '--json']);
      expect(result.code, `admin ${args.join(' ')} should fail`).not.toBe(0);
      const { error } = adminErrorSchema.parse(JSON.parse(result.stdout));
      expect(result.stderr).toContain(`error (${error.code}): `);
      return { exitCode: result.code, code: error.code, message: error.message };
    },
    listUsers: async (org) =>
      z.array(userViewSchema).parse(await json(['list-users', '--org', org])),
    listOrgSlugs: async () =>
      z
        .array(organizationViewSchema)
        .parse(await json(['list-orgs']))
        .map((o) => o.slug),
  };
}

/** The command line of a running process as `ps` shows it (argv joined by spaces). */
export async function visibleCommandLine(pid: number): Promise<string> {
  if (process.platform === 'linux') {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  }
  return new Promise((resolve, reject) => {
    execFile('ps', ['-o', 'args=', '-p', String(pid)], (error, stdout) => {
      if (error === null) resolve(stdout);
      else reject(new Error('ps failed', { cause: error }));
    });
  });
}
