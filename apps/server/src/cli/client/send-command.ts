import { MAX_TEXT_CHARS } from '@amtsbote/protocol';
import type { Command } from 'commander';
import { ClientCliError } from './client-error.js';
import { withClientSession } from './client-session.js';
import { sendFile, type CommandRunner } from './file-commands.js';

interface SendOptions {
  readonly conversation: string;
  readonly text?: string;
  readonly file?: string;
  readonly type?: string;
}

/** `client send`: a text, a file with the text as its caption, or a file alone. */
export function registerSendCommand(client: Command, runner: CommandRunner): void {
  client
    .command('send')
    .description('send a text message or a file; returns once the server stored it')
    .requiredOption('--conversation <id>', 'conversation id')
    .option('--text <text>', 'the message text (with --file: the caption)')
    .option('--file <path>', 'attach this file (streamed from disk, encrypted on this device)')
    .option('--type <media-type>', 'with --file: its media type (default: guessed from the name)')
    .option('--json', 'print the result as JSON')
    .action(async (o: SendOptions, command: Command) => {
      await runner.run(command, async () => {
        const { text, file } = o;
        if (text !== undefined && (text.trim() === '' || text.length > MAX_TEXT_CHARS)) {
          throw new ClientCliError('invalid_text', `--text has 1 to ${MAX_TEXT_CHARS} characters`);
        }
        if (file === undefined && o.type !== undefined) {
          throw new ClientCliError('invalid_type', '--type goes with --file');
        }
        const profileDir = runner.profileOf(command);
        if (file !== undefined) {
          return sendFile(runner.io, profileDir, {
            conversation: o.conversation,
            file,
            ...(text === undefined ? {} : { text }),
            ...(o.type === undefined ? {} : { type: o.type }),
          });
        }
        if (text === undefined) {
          throw new ClientCliError('invalid_text', 'give --text, --file or both');
        }
        return withClientSession(profileDir, false, async (s) => {
          const sent = await s.client.sendText(o.conversation, text);
          return { json: sent, text: `${sent.messageId}\n` };
        });
      });
    });
}
