import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  consumeInvite,
  findInviteByTokenHash,
  insertInvite,
  listInvites,
  revokeInvite,
} from '../../src/identity/invites-store.js';
import {
  consumeSetupToken,
  findSetupTokenByHash,
  replaceSetupToken,
} from '../../src/identity/setup-tokens-store.js';
import type { Database, InviteRow, SetupTokenRow } from '../../src/storage/schema.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import { addOrganization, addUser, minutesAfter, T0 } from './rows.js';

async function addInvite(
  db: Kysely<Database>,
  organizationId: string,
  overrides: Partial<InviteRow> = {},
): Promise<InviteRow> {
  const row: InviteRow = {
    id: randomUUID(),
    organization_id: organizationId,
    token_hash: `invite-${randomUUID()}`,
    role: 'member',
    created_by: null,
    created_at: T0,
    expires_at: minutesAfter(60),
    used_at: null,
    used_by: null,
    revoked_at: null,
    ...overrides,
  };
  await insertInvite(db, row);
  return row;
}

function setupTokenRow(overrides: Partial<SetupTokenRow> = {}): SetupTokenRow {
  return {
    id: randomUUID(),
    token_hash: `setup-${randomUUID()}`,
    created_at: T0,
    expires_at: minutesAfter(60),
    used_at: null,
    ...overrides,
  };
}

describeEachBackend('invites and setup tokens stores', (backend) => {
  const store = useMigratedStore(backend);

  describe('invites', () => {
    it('finds an invite by the hash of its token', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const admin = await addUser(db, organization.id, { role: 'admin' });
      const invite = await addInvite(db, organization.id, { created_by: admin.id, role: 'admin' });
      expect(await findInviteByTokenHash(db, invite.token_hash)).toEqual(invite);
      expect(await findInviteByTokenHash(db, `invite-${randomUUID()}`)).toBeUndefined();
    });

    it('consumes an open invite exactly once', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const invite = await addInvite(db, organization.id);
      const at = minutesAfter(10);
      expect(await consumeInvite(db, invite.id, user.id, at)).toBe(true);
      expect(await consumeInvite(db, invite.id, user.id, minutesAfter(11))).toBe(false);
      expect(await findInviteByTokenHash(db, invite.token_hash)).toMatchObject({
        used_at: at,
        used_by: user.id,
      });
    });

    it('lets exactly one of two concurrent transactions consume an invite', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const anna = await addUser(db, organization.id);
      const bernd = await addUser(db, organization.id);
      const invite = await addInvite(db, organization.id);
      const accept = (userId: string): Promise<boolean> =>
        db.transaction().execute(async (tx) => {
          // Like the invite service: read the invite, then try to claim it.
          await findInviteByTokenHash(tx, invite.token_hash);
          await sleep(10);
          return consumeInvite(tx, invite.id, userId, minutesAfter(10));
        });
      const results = await Promise.all([accept(anna.id), accept(bernd.id)]);
      expect(results.filter((won) => won)).toHaveLength(1);
      const winner = results[0] ? anna : bernd;
      expect((await findInviteByTokenHash(db, invite.token_hash))?.used_by).toBe(winner.id);
    });

    it('does not consume an invite at or after its expiry', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const invite = await addInvite(db, organization.id, { expires_at: minutesAfter(60) });
      expect(await consumeInvite(db, invite.id, user.id, minutesAfter(60))).toBe(false);
      expect(await consumeInvite(db, invite.id, user.id, minutesAfter(61))).toBe(false);
      expect((await findInviteByTokenHash(db, invite.token_hash))?.used_at).toBeNull();
    });

    it('does not consume a revoked invite', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const invite = await addInvite(db, organization.id);
      expect(await revokeInvite(db, organization.id, invite.id, minutesAfter(1))).toBe(true);
      expect(await consumeInvite(db, invite.id, user.id, minutesAfter(2))).toBe(false);
    });

    it('revokes an open invite once, and never a used one', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const open = await addInvite(db, organization.id);
      const used = await addInvite(db, organization.id);
      await consumeInvite(db, used.id, user.id, minutesAfter(1));
      expect(await revokeInvite(db, organization.id, open.id, minutesAfter(2))).toBe(true);
      expect(await revokeInvite(db, organization.id, open.id, minutesAfter(3))).toBe(false);
      expect(await revokeInvite(db, organization.id, used.id, minutesAfter(3))).toBe(false);
      expect((await findInviteByTokenHash(db, used.token_hash))?.revoked_at).toBeNull();
    });

    it('does not revoke an invite through another organization', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      const invite = await addInvite(db, organization.id);
      expect(await revokeInvite(db, other.id, invite.id, minutesAfter(1))).toBe(false);
      expect((await findInviteByTokenHash(db, invite.token_hash))?.revoked_at).toBeNull();
    });

    it('lists the invites of one organization, newest first', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      const older = await addInvite(db, organization.id, { created_at: minutesAfter(1) });
      const newer = await addInvite(db, organization.id, { created_at: minutesAfter(2) });
      await addInvite(db, other.id);
      expect(await listInvites(db, organization.id)).toEqual([newer, older]);
    });

    it('rejects a role outside member and admin', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await expect(addInvite(db, organization.id, { role: 'root' as 'admin' })).rejects.toThrow(
        /check constraint/i,
      );
    });
  });

  describe('setup tokens', () => {
    const openTokenHashes = async (db: Kysely<Database>): Promise<string[]> =>
      (
        await db
          .selectFrom('setup_tokens')
          .select('token_hash')
          .where('used_at', 'is', null)
          .execute()
      ).map((r) => r.token_hash);

    it('keeps only the newest open token when replaced', async () => {
      const { db } = store();
      const first = setupTokenRow();
      const second = setupTokenRow();
      await replaceSetupToken(db, first);
      await replaceSetupToken(db, second);
      expect(await openTokenHashes(db)).toEqual([second.token_hash]);
      expect(await findSetupTokenByHash(db, first.token_hash)).toBeUndefined();
      expect(await findSetupTokenByHash(db, second.token_hash)).toEqual(second);
    });

    it('keeps a used token when a new one replaces the open ones', async () => {
      const { db } = store();
      const used = setupTokenRow();
      await replaceSetupToken(db, used);
      expect(await consumeSetupToken(db, used.id, minutesAfter(1))).toBe(true);
      const next = setupTokenRow();
      await replaceSetupToken(db, next);
      expect(await findSetupTokenByHash(db, used.token_hash)).toMatchObject({
        used_at: minutesAfter(1),
      });
      expect(await openTokenHashes(db)).toEqual([next.token_hash]);
    });

    it('consumes a token exactly once', async () => {
      const { db } = store();
      const token = setupTokenRow();
      await replaceSetupToken(db, token);
      expect(await consumeSetupToken(db, token.id, minutesAfter(1))).toBe(true);
      expect(await consumeSetupToken(db, token.id, minutesAfter(2))).toBe(false);
    });

    it('does not consume a token at or after its expiry', async () => {
      const { db } = store();
      const token = setupTokenRow({ expires_at: minutesAfter(60) });
      await replaceSetupToken(db, token);
      expect(await consumeSetupToken(db, token.id, minutesAfter(60))).toBe(false);
      expect(await consumeSetupToken(db, token.id, minutesAfter(61))).toBe(false);
      expect((await findSetupTokenByHash(db, token.token_hash))?.used_at).toBeNull();
    });
  });
});
