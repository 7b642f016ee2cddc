import { CIPHERSUITES, type ConversationView } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { memberPermissions } from './member-permissions.js';

const [ANNA, BERND, CLARA] = [
  '00000000-0000-4000-8000-00000000000a',
  '00000000-0000-4000-8000-00000000000b',
  '00000000-0000-4000-8000-00000000000c',
];

function roster(
  kind: ConversationView['kind'],
  members: ConversationView['members'],
): ConversationView {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    kind,
    ciphersuite: CIPHERSUITES.xwing,
    epoch: 3,
    lastSeq: 9,
    createdAt: '2026-01-05T09:00:00.000Z',
    members,
    deviceIds: [],
    formerMembers: [],
  };
}

describe('memberPermissions', () => {
  it('lets the owner of a group change members and rename, and lets members rename only', () => {
    const group = roster('group', [
      { userId: ANNA, role: 'owner' },
      { userId: BERND, role: 'member' },
    ]);
    expect(memberPermissions(group, ANNA, false)).toEqual({
      canRename: true,
      canChangeMembers: true,
      canLeave: true,
      needsSuccessor: true,
    });
    expect(memberPermissions(group, BERND, false)).toEqual({
      canRename: true,
      canChangeMembers: false,
      canLeave: true,
      needsSuccessor: false,
    });
  });

  it('lets only owners and posters rename a channel', () => {
    const channel = roster('channel', [
      { userId: ANNA, role: 'owner' },
      { userId: BERND, role: 'poster' },
      { userId: CLARA, role: 'member' },
    ]);
    expect(memberPermissions(channel, ANNA, false).canRename).toBe(true);
    expect(memberPermissions(channel, BERND, false).canRename).toBe(true);
    expect(memberPermissions(channel, CLARA, false).canRename).toBe(false);
    expect(memberPermissions(channel, BERND, false).canChangeMembers).toBe(false);
  });

  it('asks the last owner for a successor, not one of several owners or one alone', () => {
    const twoOwners = roster('group', [
      { userId: ANNA, role: 'owner' },
      { userId: BERND, role: 'owner' },
    ]);
    expect(memberPermissions(twoOwners, ANNA, false).needsSuccessor).toBe(false);
    const alone = roster('group', [{ userId: ANNA, role: 'owner' }]);
    expect(memberPermissions(alone, ANNA, false).needsSuccessor).toBe(false);
  });

  it('never changes or renames a direct conversation, where either side may leave', () => {
    const direct = roster('direct', [
      { userId: ANNA, role: 'owner' },
      { userId: BERND, role: 'member' },
    ]);
    expect(memberPermissions(direct, ANNA, false)).toEqual({
      canRename: false,
      canChangeMembers: false,
      canLeave: true,
      needsSuccessor: false,
    });
  });

  it('allows nothing to a user who is no member any more', () => {
    const group = roster('group', [{ userId: BERND, role: 'owner' }]);
    const nothing = {
      canRename: false,
      canChangeMembers: false,
      canLeave: false,
      needsSuccessor: false,
    };
    expect(memberPermissions(group, ANNA, false)).toEqual(nothing);
    expect(memberPermissions(group, BERND, true)).toEqual(nothing);
    expect(memberPermissions(null, BERND, false)).toEqual(nothing);
  });
});
