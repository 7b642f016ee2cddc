import type { MessagingEvent } from '@amtsbote/client';
import { computeSafetyCode } from '@amtsbote/crypto';
import { CONVERSATION_KINDS, type ConversationKind } from '@amtsbote/protocol';
import type { Command } from 'commander';
import { ClientCliError, describeClientError } from './client/client-error.js';
import { describeFileError } from './client/file-errors.js';
import {
  conversationLine,
  formatEvent,
  formatMessages,
  messageLines,
  publicEvent,
  toJson,
  type CommandAnswer,
} from './client/client-output.js';
import { withClientSession } from './client/client-session.js';
import { registerDownloadCommand, type CommandRunner } from './client/file-commands.js';
import { runLogin, type LoginOptions } from './client/login-command.js';
import { parseMemberList, resolveUserIds } from './client/members.js';
import { PROFILE_KEY_FILE } from './client/profile.js';
import { registerSendCommand } from './client/send-command.js';
import { registerTransferCommands } from './client/transfer-commands.js';
import { registerTransferFetchCommand } from './client/transfer-fetch-command.js';
import type { CliIo } from './main.js';

interface GlobalOptions {
  readonly server?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

const MAX_LISTEN_COUNT = 1_000_000;

const clientHelp = `
The profile directory (--profile) holds this device's keys, session and messages, encrypted at
rest with a random key kept in DIR/${PROFILE_KEY_FILE} (mode 0600). Whoever can read that file can
read the profile and act as this device: protect it like an SSH private key.

Passwords are read from standard input (--password-stdin), never from the command line.

Files: \`send --file\` streams a file from disk, encrypted on this device, as an attachment;
\`download\` saves one, decrypted, only when it arrived complete and unchanged (never a partial
file) and only if the organization's policy allows saving files. \`transfer create\` and
\`transfer share\` print a link that holds the file's key: whoever has it (and its password)
can download the file with \`amtsbote transfer fetch\`, until it expires or is revoked.

A user's first login prints a recovery key once. Further devices of the user are added with
\`login --link\` (shows a code; approve it with \`device approve CODE\` on another profile of the
user) or \`login --recovery-key-stdin\` (the recovery key on the line after the password).

Exit codes: 0 done; 1 the server failed or could not be reached (a message not yet sent waits
in the profile's outbox), or a file arrived changed and was not saved; 2 refused (bad input, no profile, wrong key, or the server said no);
77 the session ended (expired or revoked).
`;

function optionsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

function profileOf(options: GlobalOptions): string {
  if (options.profile === undefined || options.profile === '') {
    throw new ClientCliError('missing_profile', 'name the profile directory with --profile DIR');
  }
  return options.profile;
}

function parseKind(kind: string): ConversationKind {
  const found = CONVERSATION_KINDS.find((k) => k === kind);
  if (found === undefined) {
    throw new ClientCliError('invalid_kind', `--kind is one of ${CONVERSATION_KINDS.join(', ')}`);
  }
  return found;
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > MAX_LISTEN_COUNT) {
    throw new ClientCliError(
      'invalid_count',
      `--count is a whole number from 1 to ${MAX_LISTEN_COUNT}`,
    );
  }
  return count;
}

/** `amtsbote client …`: a messaging device on the command line, for scripts and automation. */
export function registerClientCommands(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const run = async (command: Command, work: () => Promise<CommandAnswer>): Promise<void> => {
    const isJson = optionsOf(command).json === true;
    try {
      const answer = await work();
      if (answer !== null) io.stdout(isJson ? `${toJson(answer.json)}\n` : answer.text);
      setExitCode(0);
    } catch (error) {
      const described = describeFileError(error) ?? describeClientError(error);
      if (described === null) throw error;
      if (isJson) {
        io.stdout(
          `${toJson({ error: { code: described.code, message: described.message } }, false)}\n`,
        );
      }
      io.stderr(`error (${described.code}): ${described.message}\n`);
      setExitCode(described.exitCode);
    }
  };

  const client = program
    .command('client')
    .description('send and receive messages as a device of a user (for scripts)')
    .option('--server <url>', 'server address, e.g. https://amtsbote.example.de (login only)')
    .option('--profile <dir>', 'profile directory of this device')
    .addHelpText('after', clientHelp);
  const runner: CommandRunner = {
    io,
    run,
    profileOf: (command) => profileOf(optionsOf(command)),
  };

  client
    .command('login')
    .description('sign in with a password and set up this device in a new profile directory')
    .requiredOption('--org <slug>', 'organization')
    .requiredOption('--username <username>', 'login name')
    .option('--password-stdin', 'read the password from standard input (required)')
    .option(
      '--link',
      "a further device: show a code, wait until another of the user's devices approves it",
    )
    .option(
      '--recovery-key-stdin',
      'a further device: read the recovery key from the line after the password',
    )
    .option('--device-name <name>', 'name of this device, shown to the user and administrators')
    .option('--json', 'print the result as JSON')
    .action(async (o: LoginOptions, command: Command) => {
      await run(command, async () => {
        const options = optionsOf(command);
        return runLogin(
          {
            io,
            serverUrl: options.server,
            profileDir: profileOf(options),
            isJson: options.json === true,
          },
          o,
        );
      });
    });

  client
    .command('device')
    .description("approve a new device of this profile's user")
    .command('approve')
    .description('approve the device that shows this code or QR payload (a device link)')
    .argument('<code>', 'the code (or QR payload) the new device shows')
    .option('--json', 'print the result as JSON')
    .action(async (code: string, _o: unknown, command: Command) => {
      await run(command, async () =>
        withClientSession(profileOf(optionsOf(command)), false, async (s) => {
          const approved = await s.client.approveDevice(code);
          return {
            json: approved,
            text: `approved device ${approved.deviceName} (${approved.deviceId})\n`,
          };
        }),
      );
    });

  const conversation = client
    .command('conversation')
    .description('create and manage conversations');
  conversation
    .command('create')
    .description('create a conversation; members by username or user id')
    .requiredOption('--members <list>', 'comma-separated usernames or user ids')
    .option('--name <name>', 'name shown to the members (encrypted)')
    .option('--kind <kind>', 'direct, group or channel', 'group')
    .option('--json', 'print the result as JSON')
    .action(async (o: { members: string; name?: string; kind: string }, command: Command) => {
      await run(command, async () => {
        const kind = parseKind(o.kind);
        const names = parseMemberList(o.members);
        return withClientSession(profileOf(optionsOf(command)), false, async (s) => {
          const summary = await s.client.createConversation({
            kind,
            memberUserIds: await resolveUserIds(s.client, names),
            name: o.name ?? null,
          });
          return {
            json: { conversationId: summary.conversationId },
            text: `${summary.conversationId}\n`,
          };
        });
      });
    });

  conversation
    .command('list')
    .description("list this device's conversations")
    .option('--json', 'print the result as JSON')
    .action(async (_o: unknown, command: Command) => {
      await run(command, async () =>
        withClientSession(profileOf(optionsOf(command)), false, async (s) => {
          const conversations = await s.client.listConversations();
          return { json: conversations, text: conversations.map(conversationLine).join('') };
        }),
      );
    });

  for (const [name, description] of [
    ['add', 'add members to a conversation'],
    ['remove', 'remove members from a conversation'],
  ] as const) {
    conversation
      .command(name)
      .description(description)
      .requiredOption('--conversation <id>', 'conversation id')
      .requiredOption('--members <list>', 'comma-separated usernames or user ids')
      .option('--json', 'print the result as JSON')
      .action(async (o: { conversation: string; members: string }, command: Command) => {
        await run(command, async () => {
          const names = parseMemberList(o.members);
          return withClientSession(profileOf(optionsOf(command)), false, async (s) => {
            const userIds = await resolveUserIds(s.client, names);
            // The engine answers with devices: a user joins or leaves with all of their devices.
            const changed =
              name === 'add'
                ? await s.client.addMembers(o.conversation, userIds)
                : await s.client.removeMembers(o.conversation, userIds);
            return {
              json: {
                conversationId: o.conversation,
                [name === 'add' ? 'addedDeviceIds' : 'removedDeviceIds']: changed,
              },
              text: `${name === 'add' ? 'added' : 'removed'} devices: ${changed.join(', ')}\n`,
            };
          });
        });
      });
  }

  registerSendCommand(client, runner);
  registerDownloadCommand(client, runner);
  registerTransferCommands(client, runner);
  registerTransferFetchCommand(program, runner);

  client
    .command('messages')
    .description('fetch new messages, then print the conversation')
    .requiredOption('--conversation <id>', 'conversation id')
    .option('--json', 'print the result as JSON')
    .action(async (o: { conversation: string }, command: Command) => {
      await run(command, async () =>
        withClientSession(profileOf(optionsOf(command)), false, async (s) => {
          if ((await s.client.conversation(o.conversation)) === null) {
            throw new ClientCliError('conversation_not_found', `no conversation ${o.conversation}`);
          }
          const lines = messageLines(await s.client.timeline(o.conversation));
          return { json: lines, text: formatMessages(lines) };
        }),
      );
    });

  client
    .command('listen')
    .description('print events as they arrive (one JSON object a line with --json)')
    .option('--count <n>', 'stop after this many text messages')
    .option('--json', 'print each event as a JSON line')
    .action(async (o: { count?: string }, command: Command) => {
      const isJson = optionsOf(command).json === true;
      await run(command, async () => {
        const count = o.count === undefined ? null : parseCount(o.count);
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const profileDir = profileOf(optionsOf(command));
          let messages = 0;
          let events: AsyncIterableIterator<MessagingEvent> | null = null;
          await withClientSession(
            profileDir,
            true,
            async () => {
              if (events === null) return;
              for await (const event of events) {
                io.stdout(isJson ? `${toJson(publicEvent(event), false)}\n` : formatEvent(event));
                if (event.type === 'message' && event.content.type === 'text') messages += 1;
                if (count !== null && messages >= count) break;
              }
            },
            // Subscribed before the catch-up: messages that came while no command ran are printed.
            (c) => {
              events = c.events(stop.signal);
            },
          );
          // The events were printed as they came.
          return null;
        } finally {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
        }
      });
    });

  client
    .command('safety-code')
    .description("the safety code of you and a colleague, from the colleague's pinned key")
    .requiredOption('--user <user>', 'username or user id')
    .option('--json', 'print the result as JSON')
    .action(async (o: { user: string }, command: Command) => {
      await run(command, async () =>
        withClientSession(profileOf(optionsOf(command)), false, async (s) => {
          const [userId] = await resolveUserIds(s.client, parseMemberList(o.user));
          if (userId === undefined) throw new ClientCliError('invalid_user', 'name one user');
          const pinned = await s.store.get('pins', userId);
          if (pinned === null) {
            throw new ClientCliError(
              'no_pinned_key',
              `no key of ${o.user} is pinned yet; it is pinned when you first share a conversation`,
            );
          }
          const safetyCode = await computeSafetyCode(
            { userId: s.client.userId, identityPublicKey: s.client.identityPublicKey },
            { userId, identityPublicKey: pinned },
          );
          return { json: { userId, safetyCode }, text: `${safetyCode}\n` };
        }),
      );
    });
}
