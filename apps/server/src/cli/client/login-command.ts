import type { DeviceLinkView } from '@amtsbote/client';
import type { CliIo } from '../main.js';
import { ClientCliError } from './client-error.js';
import { toJson } from './client-output.js';
import { loginToNewProfile, type LoginResult, type LoginSetup } from './login.js';
import { withStopSignals } from './stop-signals.js';

/*
 * `amtsbote client login`: reads the secrets from standard input (never from the command line)
 * and sets up the profile as the user's first device, by device link or by recovery key.
 */

export interface LoginOptions {
  readonly org: string;
  readonly username: string;
  readonly passwordStdin?: boolean;
  readonly recoveryKeyStdin?: boolean;
  readonly link?: boolean;
  readonly deviceName?: string;
}

export interface LoginContext {
  readonly io: CliIo;
  readonly serverUrl: string | undefined;
  readonly profileDir: string;
  readonly isJson: boolean;
}

/** Standard input: the password on the first line; with --recovery-key-stdin the key next. */
async function readSecrets(
  io: CliIo,
  options: LoginOptions,
): Promise<{ password: string; recoveryKey: string | null }> {
  if (options.passwordStdin !== true) {
    throw new ClientCliError(
      'missing_password',
      'pass --password-stdin and the password on standard input',
    );
  }
  const lines = (await io.readStdin()).split(/\r?\n/);
  const password = lines[0] ?? '';
  if (password === '') throw new ClientCliError('missing_password', 'the password is empty');
  if (options.recoveryKeyStdin !== true) return { password, recoveryKey: null };
  const recoveryKey = (lines[1] ?? '').trim();
  if (recoveryKey === '') {
    throw new ClientCliError(
      'missing_recovery_key',
      'with --recovery-key-stdin, standard input holds the password, then the recovery key on the next line',
    );
  }
  return { password, recoveryKey };
}

function linkInstructions(link: DeviceLinkView, username: string, profileDir: string): string {
  return [
    `To add this device, approve it on another device of ${username} within 10 minutes:`,
    `  code:    ${link.code}`,
    `  QR code: ${link.qrPayload}`,
    `With the command-line client: amtsbote client --profile OTHER-PROFILE device approve ${link.code}`,
    `Waiting for the approval (until ${link.expiresAt}); this profile will be ${profileDir}`,
    '',
  ].join('\n');
}

function resultText(result: LoginResult, profileDir: string): string {
  const signedIn = `signed in as ${result.username} (${result.organization}); profile ${profileDir}\n`;
  if (result.recoveryKey === null) return signedIn;
  return [
    signedIn,
    'Recovery key, shown only this once. Write it down and keep it offline: it sets up a new',
    'device of yours when no other device is left to approve it.',
    `  ${result.recoveryKey}`,
    '',
  ].join('\n');
}

export async function runLogin(
  context: LoginContext,
  options: LoginOptions,
): Promise<{ readonly json: LoginResult; readonly text: string }> {
  if (context.serverUrl === undefined) {
    throw new ClientCliError('missing_server', 'name the server with --server URL');
  }
  const serverUrl = context.serverUrl;
  if (options.link === true && options.recoveryKeyStdin === true) {
    throw new ClientCliError(
      'conflicting_options',
      'add a device either with --link or with --recovery-key-stdin',
    );
  }
  const { password, recoveryKey } = await readSecrets(context.io, options);
  const login = (setup: LoginSetup): Promise<LoginResult> =>
    loginToNewProfile({
      serverUrl,
      profileDir: context.profileDir,
      org: options.org,
      username: options.username,
      password,
      deviceName: options.deviceName ?? null,
      setup,
    });
  const showLink = (link: DeviceLinkView): void => {
    context.io.stdout(
      context.isJson
        ? `${toJson({ deviceLink: { code: link.code, qrPayload: link.qrPayload, expiresAt: link.expiresAt } }, false)}\n`
        : linkInstructions(link, options.username, context.profileDir),
    );
  };
  const result =
    options.link === true
      ? await withStopSignals((signal) => login({ kind: 'link', onLink: showLink, signal }))
      : await login(recoveryKey === null ? { kind: 'first' } : { kind: 'recovery', recoveryKey });
  return { json: result, text: resultText(result, context.profileDir) };
}
