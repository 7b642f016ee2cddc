import { Command, CommanderError } from 'commander';
import { ConfigError, CONFIG_REFERENCE, loadConfig, type Config } from '../config.js';
import { StorageError } from '../storage/storage-error.js';
import { registerAdminCommands } from './admin-command-line.js';
import { registerClientCommands } from './client-command-line.js';
import { runMigrate } from './migrate-command.js';
import { runServe } from './serve-command.js';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Standard error is a terminal: progress of file transfers is shown there (absent: not). */
  readonly isStderrTerminal?: boolean;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: readAllStdin,
  isStderrTerminal: process.stderr.isTTY,
};

const envHelp = `\nEnvironment:\n${CONFIG_REFERENCE.map(([name, fallback, text]) => `  ${name.padEnd(36)} ${text} (default ${fallback})`).join('\n')}\n`;

/** Entry of the `amtsbote` command. Returns the process exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const config = (): Config => loadConfig(io.env);
  const program = new Command('amtsbote')
    .description('Amtsbote: secure communication for public administration')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', envHelp)
    .showHelpAfterError();
  program
    .command('serve')
    .description('run the server (HTTP API, WebSocket delivery, web app)')
    .action(async () => {
      exitCode = await runServe(config(), io);
    });
  program
    .command('migrate')
    .description('bring the database schema to the newest version and exit')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      exitCode = await runMigrate(config(), io, options.json === true);
    });
  registerAdminCommands(program, config, io, (code) => {
    exitCode = code;
  });
  registerClientCommands(program, io, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 78; // EX_CONFIG
    }
    if (error instanceof StorageError) {
      io.stderr(`storage: ${error.message}\n`);
      return 1;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
