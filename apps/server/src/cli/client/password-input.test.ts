import { describe, expect, it } from 'vitest';
import type { CliIo } from '../main.js';
import { MAX_TRANSFER_PASSWORD_CHARS, readPasswordLine } from './password-input.js';

const stdinOf = (text: string): CliIo => ({
  env: {},
  stdout: () => undefined,
  stderr: () => undefined,
  readStdin: () => Promise.resolve(text),
});

describe('readPasswordLine', () => {
  it('takes the first line of standard input as it is, without its line end', async () => {
    expect(await readPasswordLine(stdinOf(' geheim mit Leerzeichen \r\nzweite Zeile\n'))).toBe(
      ' geheim mit Leerzeichen ',
    );
    expect(await readPasswordLine(stdinOf('ohne Zeilenende'))).toBe('ohne Zeilenende');
  });

  it('refuses an empty first line and an oversized password', async () => {
    await expect(readPasswordLine(stdinOf(''))).rejects.toMatchObject({
      code: 'missing_password',
    });
    await expect(readPasswordLine(stdinOf('\nspäter'))).rejects.toMatchObject({
      code: 'missing_password',
    });
    await expect(
      readPasswordLine(stdinOf('x'.repeat(MAX_TRANSFER_PASSWORD_CHARS + 1))),
    ).rejects.toMatchObject({ code: 'invalid_password', exitCode: 2 });
  });
});
