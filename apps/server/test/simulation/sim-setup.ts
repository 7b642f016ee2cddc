import type { SimModel } from './sim-model.js';
import type { SimWorld } from './sim-world.js';

/*
 * The starting population: 9 users with 21 devices (the first device of u0–u3 on the
 * WebSocket, the others syncing over HTTP), and 6 conversations. u0 is in every conversation
 * (the observer whose token reads the views). Every message costs each device in its group a
 * decryption, so the big group is drawn least for sends and the others stay small.
 */

const DEVICES_PER_USER = [2, 3, 3, 3, 2, 2, 2, 2, 2] as const;
const LIVE_USERS = 4;

interface ConversationPlan {
  readonly label: string;
  readonly kind: 'direct' | 'group';
  readonly owner: number;
  readonly members: readonly number[];
  readonly sendWeight: number;
  readonly minMembers: number;
  readonly maxMembers: number;
}

const group = (
  label: string,
  owner: number,
  members: readonly number[],
  sizes: { readonly sendWeight: number; readonly minMembers: number; readonly maxMembers: number },
): ConversationPlan => ({ label, kind: 'group', owner, members, ...sizes });
const direct = (owner: number, other: number): ConversationPlan => ({
  label: `direct-u${owner}-u${other}`,
  kind: 'direct',
  owner,
  members: [other],
  sendWeight: 3,
  minMembers: 2,
  maxMembers: 2,
});

const CONVERSATIONS: readonly ConversationPlan[] = [
  group('all', 1, [0, 2, 3, 4, 5, 6, 7, 8], { sendWeight: 0.4, minMembers: 6, maxMembers: 9 }),
  group('team-a', 2, [0, 3, 4], { sendWeight: 2, minMembers: 3, maxMembers: 4 }),
  group('team-b', 3, [0, 6, 7], { sendWeight: 2, minMembers: 3, maxMembers: 4 }),
  group('team-c', 0, [5], { sendWeight: 2, minMembers: 2, maxMembers: 3 }),
  direct(0, 4),
  direct(8, 0),
];

export async function populate(world: SimWorld, model: SimModel): Promise<void> {
  for (const [index, deviceCount] of DEVICES_PER_USER.entries()) {
    const user = await world.addUser(`u${index}`);
    for (let d = 0; d < deviceCount; d++) {
      await world.addDevice(user, d === 0 && index < LIVE_USERS);
    }
  }
  const userId = (index: number): string => {
    const user = world.users[index];
    if (user === undefined) throw new Error(`no user u${index}`);
    return user.person.userId;
  };
  for (const plan of CONVERSATIONS) {
    const owner = userId(plan.owner);
    const members = plan.members.map(userId);
    const creator = world.user(owner).devices[0];
    if (creator === undefined) throw new Error(`u${plan.owner} has no device`);
    const { conversationId } = await creator.client.createConversation({
      kind: plan.kind,
      memberUserIds: members,
    });
    const fixed = plan.kind === 'direct' ? [owner, ...members] : [owner, userId(0)];
    model.addConversation({
      id: conversationId,
      label: plan.label,
      kind: plan.kind,
      ownerUserId: owner,
      sendWeight: plan.sendWeight,
      minMembers: plan.minMembers,
      maxMembers: plan.maxMembers,
      fixedUserIds: new Set(fixed),
      memberUserIds: new Set([owner, ...members]),
    });
  }
}
