import { canSaveFiles } from '@amtsbote/client';
import type { Command } from 'commander';
import type { CliIo } from '../main.js';
import { ClientCliError } from './client-error.js';
import { printable, type CommandAnswer } from './client-output.js';
import { withClientSession } from './client-session.js';
import { openInputFile } from './file-input.js';
import { checkOutputPath, saveStream } from './file-output.js';
import { mediaTypeOf, parseMediaType } from './media-types.js';
import { createProgress, describeSize } from './progress.js';
import { withStopSignals } from './stop-signals.js';

/*
 * Files of the messaging client: `send --file` (an attachment) and `download` (one saved to
 * disk). A file streams from disk through the encryptor and back through the decryptor into a
 * temporary file, so memory stays constant and no unverified plaintext is kept.
 */

/** How the command line runs a command: the answer printed, errors turned into exit codes. */
export interface CommandRunner {
  readonly io: CliIo;
  run(command: Command, work: () => Promise<CommandAnswer>): Promise<void>;
  /** The --profile directory; refuses a command without one. */
  profileOf(command: Command): string;
}

/** A message has at most 20 attachments (packages/protocol content.ts). */
const MAX_ATTACHMENT_INDEX = 19;

/** `--type`, checked; null when not given (the type is then guessed from the name). */
export function parseTypeOption(type: string | undefined): string | null {
  if (type === undefined) return null;
  const parsed = parseMediaType(type);
  if (parsed === null) {
    throw new ClientCliError('invalid_type', '--type is a media type such as application/pdf');
  }
  return parsed;
}

export function parseIndexOption(index: string | undefined): number {
  if (index === undefined) return 0;
  const parsed = Number(index);
  if (!/^\d{1,2}$/.test(index) || parsed > MAX_ATTACHMENT_INDEX) {
    throw new ClientCliError(
      'invalid_index',
      `--index is the attachment's position, from 0 to ${MAX_ATTACHMENT_INDEX}`,
    );
  }
  return parsed;
}

export interface SendFileOptions {
  readonly conversation: string;
  readonly file: string;
  /** The caption; the file name when absent. */
  readonly text?: string;
  readonly type?: string;
}

/** `send --file`: the file, encrypted as it streams from disk, and a message that refers to it. */
export async function sendFile(
  io: CliIo,
  profileDir: string,
  options: SendFileOptions,
): Promise<CommandAnswer> {
  const mediaType = parseTypeOption(options.type);
  const input = await openInputFile(options.file);
  const progress = createProgress(io.stderr, io.isStderrTerminal === true, `sending ${input.name}`);
  try {
    return await withClientSession(profileDir, false, async (s) => {
      const sent = await s.client.sendFile(options.conversation, {
        name: input.name,
        mediaType: mediaType ?? mediaTypeOf(input.name),
        sizeBytes: input.sizeBytes,
        body: input.body,
        ...(options.text === undefined ? {} : { caption: options.text }),
        onProgress: (sentBytes, totalBytes) => progress.update(sentBytes, totalBytes),
      });
      return { json: sent, text: `${sent.messageId}\n` };
    });
  } finally {
    progress.finish();
    await input.close();
  }
}

interface DownloadOptions {
  readonly conversation: string;
  readonly message: string;
  readonly out: string;
  readonly index?: string;
  readonly force?: boolean;
}

async function download(
  io: CliIo,
  profileDir: string,
  options: DownloadOptions,
): Promise<CommandAnswer> {
  const index = parseIndexOption(options.index);
  const isForce = options.force === true;
  // Before the profile opens: a refusal costs nothing.
  await checkOutputPath(options.out, isForce);
  return withClientSession(profileDir, false, async (s) => {
    if (!canSaveFiles(await s.client.policy())) {
      throw new ClientCliError(
        'file_download_not_allowed',
        "the organization's policy does not allow saving files on devices; ask an administrator",
      );
    }
    const { attachment, body } = await s.client.openAttachment(
      options.conversation,
      options.message,
      index,
    );
    io.stderr(`${printable(attachment.name)} (${describeSize(attachment.sizeBytes)})\n`);
    const progress = createProgress(io.stderr, io.isStderrTerminal === true, 'downloading');
    const saved = await withStopSignals((signal) =>
      saveStream(body, options.out, {
        isForce,
        expectedBytes: attachment.sizeBytes,
        signal,
        onProgress: (bytes) => progress.update(bytes, attachment.sizeBytes),
      }),
    ).finally(() => progress.finish());
    return {
      json: {
        path: saved.path,
        name: attachment.name,
        mediaType: attachment.mediaType,
        sizeBytes: saved.sizeBytes,
      },
      text: `${saved.path}\n`,
    };
  });
}

/** `client download`. */
export function registerDownloadCommand(client: Command, runner: CommandRunner): void {
  client
    .command('download')
    .description("save a message's attachment, decrypted, to a file")
    .requiredOption('--conversation <id>', 'conversation id')
    .requiredOption('--message <id>', 'message id (from `messages --json`)')
    .requiredOption('--out <path>', 'the file to save it as (mode 0600)')
    .option('--index <n>', 'which attachment of the message, from 0', '0')
    .option('--force', 'replace the file at --out if it exists')
    .option('--json', 'print the result as JSON')
    .action(async (o: DownloadOptions, command: Command) => {
      await runner.run(command, async () => download(runner.io, runner.profileOf(command), o));
    });
}
