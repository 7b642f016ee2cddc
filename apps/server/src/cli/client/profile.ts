import { constants } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptedStore, JsonCollection, type LocalStore } from '@amtsbote/client';
import { FileStore } from '@amtsbote/client/node';
import {
  base64urlDecode,
  base64urlEncode,
  generateStorageKeyBytes,
  importStorageKey,
} from '@amtsbote/crypto';
import { z } from 'zod';
import { ClientCliError } from './client-error.js';

/*
 * A CLI profile is a directory: a FileStore (mode 0700, files 0600) whose records are encrypted
 * with a random 32-byte storage key, and that key in `profile.key` (0600) beside it. Whoever
 * reads the key file can read the profile, as with an SSH private key.
 */
export const PROFILE_KEY_FILE = 'profile.key';
const PROFILE_RECORD = 'profile';
const KEY_FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
/** base64url of 32 bytes is 43 characters; more than this is not a key file of ours. */
const MAX_KEY_FILE_BYTES = 256;

export const profileRecordSchema = z.strictObject({
  serverUrl: z.url(),
  token: z.string().min(1),
  expiresAt: z.string(),
  organizationId: z.uuid(),
  organizationSlug: z.string(),
  userId: z.uuid(),
  username: z.string(),
  deviceId: z.uuid(),
});
export type ProfileRecord = z.infer<typeof profileRecordSchema>;

export interface OpenProfile {
  readonly store: LocalStore;
  readonly record: ProfileRecord;
}

function keyFilePath(directory: string): string {
  return join(directory, PROFILE_KEY_FILE);
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await stat(path);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

async function readKeyFile(directory: string): Promise<Uint8Array> {
  const path = keyFilePath(directory);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ClientCliError(
        'no_profile',
        `${directory} is not a client profile (no ${PROFILE_KEY_FILE}); create one with \`amtsbote client login\``,
      );
    }
    throw new ClientCliError('unreadable_key_file', `${path} is not readable (${code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    if ((info.mode & 0o077) !== 0) {
      throw new ClientCliError(
        'unprotected_key_file',
        `${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    if (info.size > MAX_KEY_FILE_BYTES) {
      throw new ClientCliError('invalid_key_file', `${path} is not a profile key`);
    }
    const text = (await handle.readFile('utf8')).trim();
    let key: Uint8Array;
    try {
      key = base64urlDecode(text);
    } catch (error) {
      throw new ClientCliError('invalid_key_file', `${path} is not a profile key`, 2, {
        cause: error,
      });
    }
    if (key.length !== 32)
      throw new ClientCliError('invalid_key_file', `${path} is not a profile key`);
    return key;
  } finally {
    await handle.close();
  }
}

/** Opens an existing profile; refuses (writing nothing) when it is missing or the key is wrong. */
export async function openProfile(directory: string): Promise<OpenProfile> {
  if (await isMissing(directory)) {
    throw new ClientCliError('no_profile', `profile directory ${directory} does not exist`);
  }
  const key = await importStorageKey(await readKeyFile(directory));
  const store = new EncryptedStore(await FileStore.open(directory), key);
  try {
    const record = await new JsonCollection(store, 'profile', profileRecordSchema).get(
      PROFILE_RECORD,
    );
    if (record === null) {
      throw new ClientCliError(
        'no_profile',
        `${directory} holds no signed-in profile (the login did not finish); remove it and log in again`,
      );
    }
    return { store, record };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A profile is created in a new or empty directory only. */
export async function assertProfileDirectoryFree(directory: string): Promise<void> {
  if (!(await isMissing(directory)) && (await readdir(directory)).length > 0) {
    throw new ClientCliError(
      'profile_exists',
      `${directory} is not empty; a profile is created in a new or empty directory`,
    );
  }
}

/**
 * Creates the profile directory with a new key file and returns its (still empty) store. The
 * directory must not exist or be empty; the caller removes it if the login fails afterwards.
 */
export async function createProfile(directory: string): Promise<LocalStore> {
  await assertProfileDirectoryFree(directory);
  await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
  // The store writes its format file first: it refuses a non-empty directory without one.
  const fileStore = await FileStore.open(directory);
  try {
    const keyBytes = generateStorageKeyBytes();
    const handle = await open(keyFilePath(directory), 'wx', KEY_FILE_MODE);
    try {
      await handle.writeFile(`${base64urlEncode(keyBytes)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return new EncryptedStore(fileStore, await importStorageKey(keyBytes));
  } catch (error) {
    await fileStore.close();
    throw error;
  }
}

export async function saveProfileRecord(store: LocalStore, record: ProfileRecord): Promise<void> {
  await new JsonCollection(store, 'profile', profileRecordSchema).put(PROFILE_RECORD, record);
}

/** Removes a profile directory this process created, after a failed login. */
export async function removeProfileDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
}
