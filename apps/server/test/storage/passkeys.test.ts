import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  deleteExpiredChallenges,
  deletePasskey,
  findPasskeyByCredentialId,
  insertChallenge,
  insertPasskey,
  listPasskeysOfUser,
  recordPasskeyUse,
  takeChallenge,
} from '../../src/identity/passkeys-store.js';
import type {
  Database,
  PasskeyRow,
  UserRow,
  WebauthnChallengeRow,
} from '../../src/storage/schema.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import { addOrganization, addUser, minutesAfter, T0 } from './rows.js';

async function addPasskey(
  db: Kysely<Database>,
  user: Pick<UserRow, 'id' | 'organization_id'>,
  overrides: Partial<PasskeyRow> = {},
): Promise<PasskeyRow> {
  const row: PasskeyRow = {
    id: randomUUID(),
    organization_id: user.organization_id,
    user_id: user.id,
    credential_id: `cred-${randomUUID()}`,
    public_key: 'pQECAyYgASFYIA',
    sign_count: 0,
    transports: 'internal,hybrid',
    name: 'Laptop',
    created_at: T0,
    last_used_at: null,
    ...overrides,
  };
  await insertPasskey(db, row);
  return row;
}

async function addChallenge(
  db: Kysely<Database>,
  organizationId: string,
  overrides: Partial<WebauthnChallengeRow> = {},
): Promise<WebauthnChallengeRow> {
  const row: WebauthnChallengeRow = {
    id: randomUUID(),
    organization_id: organizationId,
    user_id: null,
    purpose: 'login',
    challenge: `challenge-${randomUUID()}`,
    created_at: T0,
    expires_at: minutesAfter(5),
    ...overrides,
  };
  await insertChallenge(db, row);
  return row;
}

describeEachBackend('passkeys store', (backend) => {
  const store = useMigratedStore(backend);

  const addMember = async (db: Kysely<Database>): Promise<UserRow> =>
    addUser(db, (await addOrganization(db)).id);

  describe('passkeys', () => {
    it('lists the passkeys of one user, oldest first', async () => {
      const { db } = store();
      const user = await addMember(db);
      const colleague = await addUser(db, user.organization_id);
      const newer = await addPasskey(db, user, { created_at: minutesAfter(2) });
      const older = await addPasskey(db, user, { created_at: minutesAfter(1) });
      await addPasskey(db, colleague);
      expect(await listPasskeysOfUser(db, user.organization_id, user.id)).toEqual([older, newer]);
    });

    it('finds a passkey by credential id only within its organization', async () => {
      const { db } = store();
      const user = await addMember(db);
      const other = await addOrganization(db);
      const passkey = await addPasskey(db, user);
      expect(
        await findPasskeyByCredentialId(db, user.organization_id, passkey.credential_id),
      ).toEqual(passkey);
      expect(await findPasskeyByCredentialId(db, other.id, passkey.credential_id)).toBe(undefined);
      expect(await listPasskeysOfUser(db, other.id, user.id)).toEqual([]);
    });

    it('rejects a credential id registered twice in one organization', async () => {
      const { db } = store();
      const user = await addMember(db);
      const colleague = await addUser(db, user.organization_id);
      const passkey = await addPasskey(db, user);
      await expect(
        addPasskey(db, colleague, { credential_id: passkey.credential_id }),
      ).rejects.toThrow(/unique|duplicate/i);
    });

    it('allows the same credential id in another organization', async () => {
      const { db } = store();
      const user = await addMember(db);
      const elsewhere = await addMember(db);
      const passkey = await addPasskey(db, user);
      const twin = await addPasskey(db, elsewhere, { credential_id: passkey.credential_id });
      expect(
        await findPasskeyByCredentialId(db, elsewhere.organization_id, passkey.credential_id),
      ).toEqual(twin);
    });

    it('records the sign count and time of a use', async () => {
      const { db } = store();
      const user = await addMember(db);
      const passkey = await addPasskey(db, user, { sign_count: 4 });
      await recordPasskeyUse(db, passkey.id, 5, minutesAfter(3));
      expect(
        await findPasskeyByCredentialId(db, user.organization_id, passkey.credential_id),
      ).toEqual({ ...passkey, sign_count: 5, last_used_at: minutesAfter(3) });
    });

    it('deletes a passkey only for its own user and organization', async () => {
      const { db } = store();
      const user = await addMember(db);
      const colleague = await addUser(db, user.organization_id);
      const other = await addOrganization(db);
      const passkey = await addPasskey(db, user);
      expect(await deletePasskey(db, user.organization_id, colleague.id, passkey.id)).toBe(false);
      expect(await deletePasskey(db, other.id, user.id, passkey.id)).toBe(false);
      expect(await listPasskeysOfUser(db, user.organization_id, user.id)).toEqual([passkey]);
      expect(await deletePasskey(db, user.organization_id, user.id, passkey.id)).toBe(true);
      expect(await listPasskeysOfUser(db, user.organization_id, user.id)).toEqual([]);
    });
  });

  describe('webauthn challenges', () => {
    it('hands a challenge out once and then never again', async () => {
      const { db } = store();
      const user = await addMember(db);
      const challenge = await addChallenge(db, user.organization_id, {
        user_id: user.id,
        purpose: 'register',
      });
      expect(await takeChallenge(db, challenge.id)).toEqual(challenge);
      expect(await takeChallenge(db, challenge.id)).toBeUndefined();
    });

    it('hands an expired challenge out too, so the caller can check and reject it', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const challenge = await addChallenge(db, organization.id, { expires_at: minutesAfter(-1) });
      expect(await takeChallenge(db, challenge.id)).toEqual(challenge);
    });

    it('deletes challenges at and after their expiry and keeps the others', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const expired = await addChallenge(db, organization.id, { expires_at: minutesAfter(5) });
      const expiring = await addChallenge(db, organization.id, { expires_at: minutesAfter(10) });
      const fresh = await addChallenge(db, organization.id, { expires_at: minutesAfter(11) });
      await deleteExpiredChallenges(db, minutesAfter(10));
      expect(await takeChallenge(db, expired.id)).toBeUndefined();
      expect(await takeChallenge(db, expiring.id)).toBeUndefined();
      expect(await takeChallenge(db, fresh.id)).toEqual(fresh);
    });

    it('rejects a purpose outside register, login and second_factor', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await expect(
        addChallenge(db, organization.id, { purpose: 'recover' as 'login' }),
      ).rejects.toThrow(/check constraint/i);
    });
  });
});
