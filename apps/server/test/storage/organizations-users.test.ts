import { describe, expect, it } from 'vitest';
import {
  countOrganizations,
  findOrganizationById,
  findOrganizationBySlug,
  listOrganizations,
} from '../../src/identity/organizations-store.js';
import {
  countActiveAdmins,
  findUserById,
  findUserByUsername,
  listUsers,
  updateUser,
} from '../../src/identity/users-store.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import { addOrganization, addUser, minutesAfter, uniqueSlug } from './rows.js';

describeEachBackend('organizations and users stores', (backend) => {
  const store = useMigratedStore(backend);

  describe('organizations', () => {
    it('finds an inserted organization by slug and by id', async () => {
      const { db } = store();
      const organization = await addOrganization(db, { name: 'Stadt Musterstadt' });
      expect(await findOrganizationBySlug(db, organization.slug)).toEqual(organization);
      expect(await findOrganizationById(db, organization.id)).toEqual(organization);
    });

    it('finds nothing for an unknown slug or id', async () => {
      const { db } = store();
      expect(await findOrganizationBySlug(db, uniqueSlug('missing'))).toBeUndefined();
      expect(
        await findOrganizationById(db, '00000000-0000-4000-8000-000000000000'),
      ).toBeUndefined();
    });

    it('counts each inserted organization', async () => {
      const { db } = store();
      const before = await countOrganizations(db);
      await addOrganization(db);
      await addOrganization(db);
      expect(await countOrganizations(db)).toBe(before + 2);
    });

    it('lists organizations ordered by slug', async () => {
      const { db } = store();
      const suffix = uniqueSlug('list');
      const later = await addOrganization(db, { slug: `zz-${suffix}` });
      const earlier = await addOrganization(db, { slug: `aa-${suffix}` });
      const slugs = (await listOrganizations(db)).map((o) => o.slug);
      expect(slugs.indexOf(earlier.slug)).toBeLessThan(slugs.indexOf(later.slug));
    });

    it('rejects a second organization with the same slug', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await expect(addOrganization(db, { slug: organization.slug })).rejects.toThrow(
        /unique|duplicate/i,
      );
    });
  });

  describe('users', () => {
    it('finds a user by username regardless of case', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id, { username: 'Anna.Schmidt' });
      expect(await findUserByUsername(db, organization.id, 'ANNA.SCHMIDT')).toEqual(user);
      expect(await findUserById(db, organization.id, user.id)).toEqual(user);
    });

    it('rejects a username that differs from an existing one only in case', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id, { username: 'Anna.Schmidt' });
      await expect(addUser(db, organization.id, { username: 'anna.schmidt' })).rejects.toThrow(
        /unique|duplicate/i,
      );
    });

    it('allows the same username in another organization', async () => {
      const { db } = store();
      const first = await addOrganization(db);
      const second = await addOrganization(db);
      const inFirst = await addUser(db, first.id, { username: 'anna.schmidt' });
      const inSecond = await addUser(db, second.id, { username: 'Anna.Schmidt' });
      expect(await findUserByUsername(db, first.id, 'anna.schmidt')).toEqual(inFirst);
      expect(await findUserByUsername(db, second.id, 'anna.schmidt')).toEqual(inSecond);
    });

    it('does not find a user through another organization', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      const user = await addUser(db, organization.id, { username: 'only.here' });
      expect(await findUserById(db, other.id, user.id)).toBeUndefined();
      expect(await findUserByUsername(db, other.id, 'only.here')).toBeUndefined();
    });
  });

  describe('listUsers', () => {
    it('lists the users of one organization ordered by username, up to the limit', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      await addUser(db, organization.id, { username: 'Carla' });
      await addUser(db, organization.id, { username: 'anton' });
      await addUser(db, organization.id, { username: 'Bernd' });
      await addUser(db, other.id, { username: 'aaron' });
      const all = await listUsers(db, organization.id, { limit: 10 });
      expect(all.map((u) => u.username)).toEqual(['anton', 'Bernd', 'Carla']);
      const firstTwo = await listUsers(db, organization.id, { limit: 2 });
      expect(firstTwo.map((u) => u.username)).toEqual(['anton', 'Bernd']);
    });

    it('searches username, display name and department without regard to case', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id, { username: 'a.schmidt', display_name: 'Anna Schmidt' });
      await addUser(db, organization.id, { username: 'b.meyer', department: 'Bürgeramt' });
      await addUser(db, organization.id, { username: 'c.schulz', display_name: 'Clara Schulz' });
      const byName = await listUsers(db, organization.id, { search: 'SCHMIDT', limit: 10 });
      expect(byName.map((u) => u.username)).toEqual(['a.schmidt']);
      const byDepartment = await listUsers(db, organization.id, { search: 'bürger', limit: 10 });
      expect(byDepartment.map((u) => u.username)).toEqual(['b.meyer']);
      const byUsername = await listUsers(db, organization.id, { search: 'c.sch', limit: 10 });
      expect(byUsername.map((u) => u.username)).toEqual(['c.schulz']);
    });

    it('treats % in the search text as a literal character', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id, { username: 'percent', display_name: '100% Amt' });
      await addUser(db, organization.id, { username: 'plain', display_name: '100 Amt' });
      const found = await listUsers(db, organization.id, { search: '100%', limit: 10 });
      expect(found.map((u) => u.username)).toEqual(['percent']);
    });

    it('treats _ in the search text as a literal character', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id, { username: 'underscore', department: 'Amt_5' });
      await addUser(db, organization.id, { username: 'digit', department: 'Amt15' });
      const found = await listUsers(db, organization.id, { search: 'amt_', limit: 10 });
      expect(found.map((u) => u.username)).toEqual(['underscore']);
    });

    it('treats a backslash in the search text as a literal character', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id, { username: 'backslash', department: 'A\\B' });
      await addUser(db, organization.id, { username: 'other', department: 'AB' });
      const found = await listUsers(db, organization.id, { search: 'a\\b', limit: 10 });
      expect(found.map((u) => u.username)).toEqual(['backslash']);
    });

    it('lists everyone when the search text is empty', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id);
      await addUser(db, organization.id);
      expect(await listUsers(db, organization.id, { search: '', limit: 10 })).toHaveLength(2);
    });
  });

  describe('updateUser', () => {
    it('changes the given fields of a user in its organization', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const at = minutesAfter(5);
      const changed = await updateUser(db, organization.id, user.id, {
        display_name: 'Neuer Name',
        department: 'Ordnungsamt',
        status: 'disabled',
        updated_at: at,
      });
      expect(changed).toBe(true);
      expect(await findUserById(db, organization.id, user.id)).toEqual({
        ...user,
        display_name: 'Neuer Name',
        department: 'Ordnungsamt',
        status: 'disabled',
        updated_at: at,
      });
    });

    it('changes nothing when given another organization id', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const changed = await updateUser(db, other.id, user.id, {
        role: 'admin',
        updated_at: minutesAfter(5),
      });
      expect(changed).toBe(false);
      expect(await findUserById(db, organization.id, user.id)).toEqual(user);
    });

    it('rejects a role outside member and admin', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      await expect(
        db
          .updateTable('users')
          .set({ role: 'root' as 'admin' })
          .where('id', '=', user.id)
          .execute(),
      ).rejects.toThrow(/check constraint/i);
    });
  });

  describe('countActiveAdmins', () => {
    it('counts only active administrators of the organization', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const other = await addOrganization(db);
      await addUser(db, organization.id, { role: 'admin' });
      await addUser(db, organization.id, { role: 'admin' });
      await addUser(db, organization.id, { role: 'admin', status: 'disabled' });
      await addUser(db, organization.id, { role: 'member' });
      await addUser(db, other.id, { role: 'admin' });
      expect(await countActiveAdmins(db, organization.id)).toBe(2);
    });

    it('drops when an administrator is disabled', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const admin = await addUser(db, organization.id, { role: 'admin' });
      expect(await countActiveAdmins(db, organization.id)).toBe(1);
      await updateUser(db, organization.id, admin.id, {
        status: 'disabled',
        updated_at: minutesAfter(1),
      });
      expect(await countActiveAdmins(db, organization.id)).toBe(0);
    });
  });
});
