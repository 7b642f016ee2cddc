import type { OrganizationPolicy, UserView } from '@amtsbote/protocol';
import type { Command } from 'commander';
import { AdminCommandError, executeAdminCommand } from '../admin/admin-client.js';
import type { AdminCommandInput } from '../admin/admin-commands.js';
import type { Config } from '../config.js';
import type { CliIo } from './main.js';
import {
  describePolicyChange,
  parseSetPolicyOptions,
  type SetPolicyOptions,
} from './set-policy-options.js';

interface JsonOption {
  readonly json?: boolean;
}

function formatUsers(users: readonly UserView[]): string {
  const rows = users.map(
    (u) => `${u.username}\t${u.displayName}\t${u.role}\t${u.status}\t${u.department ?? ''}`,
  );
  return `${['username\tdisplay name\trole\tstatus\tdepartment', ...rows].join('\n')}\n`;
}

/** `amtsbote admin …`: operator commands. Passwords are read from stdin, never from argv. */
export function registerAdminCommands(
  program: Command,
  config: () => Config,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const admin = program.command('admin').description('administer organizations and users');

  const run = async (
    body: AdminCommandInput,
    options: JsonOption,
    human: (result: unknown) => string,
  ): Promise<void> => {
    try {
      const { result } = await executeAdminCommand(config(), body);
      io.stdout(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : human(result));
      setExitCode(0);
    } catch (error) {
      if (!(error instanceof AdminCommandError)) throw error;
      if (options.json === true) {
        io.stdout(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
      }
      io.stderr(`error (${error.code}): ${error.message}\n`);
      setExitCode(error.status >= 500 ? 1 : 2);
    }
  };

  admin
    .command('create-org')
    .description('create an organization (an authority)')
    .requiredOption('--slug <slug>', 'short name used at login, e.g. stadt-musterstadt')
    .requiredOption('--name <name>', 'full name, e.g. "Stadt Musterstadt"')
    .option('--json', 'print the result as JSON')
    .action(async (o: { slug: string; name: string } & JsonOption) => {
      await run(
        { command: 'create-org', slug: o.slug, name: o.name },
        o,
        () => `organization ${o.slug} created\n`,
      );
    });

  admin
    .command('create-user')
    .description('create a user; with --password-stdin the password is read from standard input')
    .requiredOption('--org <slug>', 'organization')
    .requiredOption('--username <username>', 'login name')
    .requiredOption('--display-name <name>', 'name shown to colleagues')
    .option('--department <department>', 'department')
    .option('--admin', 'make the user an administrator')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        o: {
          org: string;
          username: string;
          displayName: string;
          department?: string;
          admin?: boolean;
          passwordStdin?: boolean;
        } & JsonOption,
      ) => {
        const password =
          o.passwordStdin === true ? (await io.readStdin()).replace(/\r?\n$/, '') : undefined;
        await run(
          {
            command: 'create-user',
            org: o.org,
            username: o.username,
            displayName: o.displayName,
            role: o.admin === true ? 'admin' : 'member',
            ...(o.department === undefined ? {} : { department: o.department }),
            ...(password === undefined ? {} : { password }),
          },
          o,
          () => `user ${o.username} created in ${o.org}\n`,
        );
      },
    );

  admin
    .command('invite')
    .description('create a single-use invite link for a colleague')
    .requiredOption('--org <slug>', 'organization')
    .option('--role <role>', 'member or admin', 'member')
    .option('--expires-hours <hours>', 'validity in hours (1-720)', '72')
    .option('--json', 'print the result as JSON')
    .action(async (o: { org: string; role: string; expiresHours: string } & JsonOption) => {
      await run(
        {
          command: 'invite',
          org: o.org,
          role: o.role as 'member',
          expiresInHours: Number(o.expiresHours),
        },
        o,
        (result) => `${(result as { url: string }).url}\n`,
      );
    });

  for (const [name, description] of [
    ['disable-user', 'disable a user and end all their sessions'],
    ['enable-user', 'enable a disabled user'],
  ] as const) {
    admin
      .command(name)
      .description(description)
      .requiredOption('--org <slug>', 'organization')
      .requiredOption('--username <username>', 'login name')
      .option('--json', 'print the result as JSON')
      .action(async (o: { org: string; username: string } & JsonOption) => {
        await run(
          { command: name, org: o.org, username: o.username },
          o,
          () => `${name}: ${o.username} done\n`,
        );
      });
  }

  admin
    .command('list-users')
    .description('list the users of an organization')
    .requiredOption('--org <slug>', 'organization')
    .option('--json', 'print the result as JSON')
    .action(async (o: { org: string } & JsonOption) => {
      await run({ command: 'list-users', org: o.org }, o, (result) =>
        formatUsers(result as UserView[]),
      );
    });

  admin
    .command('set-policy')
    .description("change the organization's policy for all its members (only what is given)")
    .requiredOption('--org <slug>', 'organization')
    .option('--read-receipts <on|off>', 'whether members send and see read receipts')
    .option('--max-file-mb <MiB|default>', "largest file; default: the server's maximum")
    .option('--file-quota-gb <GiB|default>', "the organization's file space; default: the server's")
    .option('--file-download <on|off>', 'whether apps may save files on devices (else preview)')
    .option('--allow-file-types <exts>', 'only these file types may be sent, e.g. pdf,docx')
    .option('--deny-file-types <exts>', 'these file types may not be sent, e.g. exe,bat ("": all)')
    .option('--vault-wipe-after-failures <3-50>', "failed PINs that erase an app's vault")
    .option('--max-lock-after-minutes <1-60>', 'longest idle time before apps lock')
    .option('--json', 'print the result as JSON')
    .action(async (o: { org: string } & SetPolicyOptions & JsonOption) => {
      const parsed = parseSetPolicyOptions(o);
      if (!parsed.isValid) {
        const { message } = parsed;
        if (o.json === true) {
          io.stdout(`${JSON.stringify({ error: { code: 'invalid_request', message } })}\n`);
        }
        io.stderr(`error (invalid_request): ${message}\n`);
        setExitCode(2);
        return;
      }
      await run({ command: 'set-policy', org: o.org, ...parsed.change }, o, (result) =>
        describePolicyChange(parsed.change, result as OrganizationPolicy, o.org),
      );
    });

  admin
    .command('list-orgs')
    .description('list organizations')
    .option('--json', 'print the result as JSON')
    .action(async (o: JsonOption) => {
      await run({ command: 'list-orgs' }, o, (result) =>
        (result as Array<{ slug: string; name: string }>)
          .map((r) => `${r.slug}\t${r.name}\n`)
          .join(''),
      );
    });
}
