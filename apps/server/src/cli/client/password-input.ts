import type { CliIo } from '../main.js';
import { ClientCliError } from './client-error.js';

/* A transfer's password: the first line of standard input, as the login reads its password,
   never from the command line (where other users of the machine can see it). */

export const MAX_TRANSFER_PASSWORD_CHARS = 1024;

/** The first line of standard input; refuses an empty or oversized one. */
export async function readPasswordLine(io: CliIo): Promise<string> {
  const password = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  if (password === '') {
    throw new ClientCliError(
      'missing_password',
      'with --password-stdin, the first line of standard input is the password; it is empty',
    );
  }
  if (password.length > MAX_TRANSFER_PASSWORD_CHARS) {
    throw new ClientCliError(
      'invalid_password',
      `the password has at most ${MAX_TRANSFER_PASSWORD_CHARS} characters`,
    );
  }
  return password;
}
