import type { CreatedTransfer } from '@amtsbote/client';
import { MAX_TRANSFER_DOWNLOADS, transferIdSchema, type Transfer } from '@amtsbote/protocol';
import type { Command } from 'commander';
import { ClientCliError } from './client-error.js';
import type { CommandAnswer } from './client-output.js';
import { withClientSession } from './client-session.js';
import { parseExpiresSeconds } from './duration.js';
import { parseIndexOption, parseTypeOption, type CommandRunner } from './file-commands.js';
import { openInputFile } from './file-input.js';
import { mediaTypeOf } from './media-types.js';
import { readPasswordLine } from './password-input.js';
import { createProgress } from './progress.js';

/*
 * `amtsbote client transfer …`: files shared by a link with an expiry, an optional download
 * limit and an optional password. The link holds the file's key: it is printed once, on
 * standard output, and kept nowhere; the password comes from standard input only.
 */

interface LinkOptions {
  readonly expires: string;
  readonly maxDownloads?: string;
  readonly passwordStdin?: boolean;
}

interface TransferSettings {
  readonly expiresInSeconds: number;
  readonly maxDownloads: number | null;
  readonly password: string | null;
}

function parseMaxDownloads(text: string | undefined): number | null {
  if (text === undefined) return null;
  const count = Number(text);
  if (!/^\d{1,4}$/.test(text) || count < 1 || count > MAX_TRANSFER_DOWNLOADS) {
    throw new ClientCliError(
      'invalid_max_downloads',
      `--max-downloads is a whole number from 1 to ${MAX_TRANSFER_DOWNLOADS}`,
    );
  }
  return count;
}

/** The options checked first, then the password read (nothing is read for a bad command). */
async function settingsOf(runner: CommandRunner, o: LinkOptions): Promise<TransferSettings> {
  const expiresInSeconds = parseExpiresSeconds(o.expires);
  const maxDownloads = parseMaxDownloads(o.maxDownloads);
  const password = o.passwordStdin === true ? await readPasswordLine(runner.io) : null;
  return { expiresInSeconds, maxDownloads, password };
}

function linkAnswer(created: CreatedTransfer): CommandAnswer {
  return { json: { link: created.link, transfer: created.transfer }, text: `${created.link}\n` };
}

function transferLine(t: Transfer): string {
  const limit = t.maxDownloads === null ? '' : ` of ${t.maxDownloads}`;
  const password = t.passwordProtected ? '\tpassword' : '';
  return `${t.id}\t${t.state}\t${t.downloadCount}${limit} downloads\texpires ${t.expiresAt}${password}\n`;
}

function withLinkOptions(command: Command): Command {
  return command
    .requiredOption('--expires <duration>', 'how long the link works, e.g. 30m, 12h, 7d (max 30d)')
    .option('--max-downloads <n>', 'how often the file may be downloaded (default: no limit)')
    .option('--password-stdin', 'protect the link with a password too (first line of stdin)')
    .option('--json', 'print { link, transfer } as JSON');
}

export function registerTransferCommands(client: Command, runner: CommandRunner): void {
  const transfer = client
    .command('transfer')
    .description('share files by link, for recipients with or without an account');

  withLinkOptions(
    transfer
      .command('create')
      .description('encrypt and upload a file, and print a link to it (shown only this once)')
      .requiredOption('--file <path>', 'the file to share')
      .option('--type <media-type>', 'media type (default: guessed from the name)'),
  ).action(async (o: LinkOptions & { file: string; type?: string }, command: Command) => {
    await runner.run(command, async () => {
      const mediaType = parseTypeOption(o.type);
      const settings = await settingsOf(runner, o);
      const input = await openInputFile(o.file);
      const io = runner.io;
      const progress = createProgress(io.stderr, io.isStderrTerminal === true, 'uploading');
      try {
        return await withClientSession(runner.profileOf(command), false, async (s) =>
          linkAnswer(
            await s.client.sendTransfer(
              {
                name: input.name,
                mediaType: mediaType ?? mediaTypeOf(input.name),
                sizeBytes: input.sizeBytes,
                body: input.body,
                onProgress: (sent, total) => progress.update(sent, total),
              },
              settings,
            ),
          ),
        );
      } finally {
        progress.finish();
        await input.close();
      }
    });
  });

  withLinkOptions(
    transfer
      .command('share')
      .description("print a link to a message's attachment (without uploading it again)")
      .requiredOption('--conversation <id>', 'conversation id')
      .requiredOption('--message <id>', 'message id')
      .option('--index <n>', 'which attachment of the message, from 0', '0'),
  ).action(
    async (
      o: LinkOptions & { conversation: string; message: string; index?: string },
      command: Command,
    ) => {
      await runner.run(command, async () => {
        const index = parseIndexOption(o.index);
        const settings = await settingsOf(runner, o);
        return withClientSession(runner.profileOf(command), false, async (s) =>
          linkAnswer(
            await s.client.shareAttachment(o.conversation, o.message, { ...settings, index }),
          ),
        );
      });
    },
  );

  transfer
    .command('list')
    .description("this user's transfers, newest first: state, downloads and expiry")
    .option('--json', 'print the result as JSON')
    .action(async (_o: unknown, command: Command) => {
      await runner.run(command, async () =>
        withClientSession(runner.profileOf(command), false, async (s) => {
          const transfers = await s.client.listTransfers();
          return { json: transfers, text: transfers.map(transferLine).join('') };
        }),
      );
    });

  transfer
    .command('revoke')
    .description('end a transfer at once: its link opens nothing any more')
    .argument('<id>', 'transfer id (from `transfer list`)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, _o: unknown, command: Command) => {
      await runner.run(command, async () => {
        const parsed = transferIdSchema.safeParse(id);
        if (!parsed.success) {
          // Not echoed: a link pasted here by mistake holds the file's key.
          throw new ClientCliError(
            'invalid_transfer_id',
            'the id is not a transfer id (see `transfer list`)',
          );
        }
        return withClientSession(runner.profileOf(command), false, async (s) => {
          const revoked = await s.client.revokeTransfer(parsed.data);
          return { json: revoked, text: `revoked ${revoked.id}\n` };
        });
      });
    });
}
