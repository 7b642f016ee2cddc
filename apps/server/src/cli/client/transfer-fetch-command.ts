import { openTransferLink, parseTransferLink, type TransferLink } from '@amtsbote/client';
import type { Command } from 'commander';
import type { CliIo } from '../main.js';
import { ClientCliError } from './client-error.js';
import { printable, type CommandAnswer } from './client-output.js';
import type { CommandRunner } from './file-commands.js';
import { checkOutputPath, saveStream } from './file-output.js';
import { readPasswordLine } from './password-input.js';
import { createProgress, describeSize } from './progress.js';
import { withStopSignals } from './stop-signals.js';

/*
 * `amtsbote transfer fetch URL`: the recipient's side of a transfer link, without an account
 * or a profile. The link's secret and the password stay in this process: the server is shown
 * the derived access token only. Neither the link nor the password is ever printed.
 */

interface FetchOptions {
  readonly out: string;
  readonly passwordStdin?: boolean;
  readonly force?: boolean;
}

const transferHelp = `
Whoever has the link (and its password, if it has one) can download the file: keep the link
out of shared logs. The file is decrypted on this machine; it is saved only when it arrived
complete and unchanged (mode 0600), otherwise nothing is saved.

Exit codes: 0 saved; 1 the server could not be reached or sent a changed file; 2 refused (a
wrong password or damaged link, a link that expired, was revoked, used up or locked, or --out
exists).
`;

function parseLink(url: string): TransferLink {
  try {
    return parseTransferLink(url);
  } catch (error) {
    // Not echoed: what was given may hold a secret.
    throw new ClientCliError(
      'invalid_link',
      'this is not a complete transfer link: copy all of it, including the part after #',
      2,
      { cause: error },
    );
  }
}

async function fetchTransfer(io: CliIo, url: string, o: FetchOptions): Promise<CommandAnswer> {
  const link = parseLink(url);
  if (link.secret.passwordProtected && o.passwordStdin !== true) {
    throw new ClientCliError(
      'password_required',
      'this link asks for a password: pass --password-stdin and the password on standard input',
    );
  }
  if (!link.secret.passwordProtected && o.passwordStdin === true) {
    throw new ClientCliError(
      'password_not_needed',
      'this link has no password; leave out --password-stdin',
    );
  }
  const password = o.passwordStdin === true ? await readPasswordLine(io) : null;
  const isForce = o.force === true;
  // Before the link is tried: a wrong password counts towards its lock.
  await checkOutputPath(o.out, isForce);
  const opened = await openTransferLink(link, { password });
  const { name, type, size } = opened.metadata;
  io.stderr(`${printable(name)} (${describeSize(size)})\n`);
  const body = await opened.download();
  const progress = createProgress(io.stderr, io.isStderrTerminal === true, 'downloading');
  const saved = await withStopSignals((signal) =>
    saveStream(body, o.out, {
      isForce,
      expectedBytes: size,
      signal,
      onProgress: (bytes) => progress.update(bytes, size),
    }),
  ).finally(() => progress.finish());
  return {
    json: { path: saved.path, name, mediaType: type, sizeBytes: saved.sizeBytes },
    text: `${saved.path}\n`,
  };
}

/** `amtsbote transfer fetch`, beside `client`: it needs no profile. */
export function registerTransferFetchCommand(program: Command, runner: CommandRunner): void {
  program
    .command('transfer')
    .description('download a file shared by a transfer link (no account needed)')
    .addHelpText('after', transferHelp)
    .command('fetch')
    .description('download and decrypt the file of a transfer link')
    .argument('<url>', 'the link, e.g. https://amtsbote.example.de/t/…#…')
    .requiredOption('--out <path>', 'the file to save it as (mode 0600)')
    .option('--password-stdin', "read the link's password from the first line of standard input")
    .option('--force', 'replace the file at --out if it exists')
    .option('--json', 'print the result as JSON')
    .action(async (url: string, o: FetchOptions, command: Command) => {
      await runner.run(command, async () => fetchTransfer(runner.io, url, o));
    });
}
