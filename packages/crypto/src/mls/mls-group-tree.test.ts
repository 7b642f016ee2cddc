import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES } from './ciphersuite.js';
import { joinFromWelcome } from './group-join.js';
import type { MlsGroup } from './mls-group.js';
import { groupOf, keyPackageOf, newClient, text, type TestClient } from './test-fixtures.js';

/*
 * Ratchet-tree validation on join (RFC 9420, 7.9): a parent's unmerged leaf must be listed by
 * the non-blank nodes between the leaf and that parent, and by nothing else. ts-mls 1.6.4 asked
 * every non-blank ancestor of the leaf for the very same list and so refused valid trees once
 * commits from different sides of the tree had left parents with different unmerged leaves;
 * patches/ts-mls+1.6.4.patch corrects the check.
 */

const SUITE = MLS_CIPHERSUITES.classic;

async function joinFrom(
  client: TestClient,
  add: { welcome: Uint8Array; ratchetTree: Uint8Array },
): Promise<MlsGroup> {
  return joinFromWelcome({
    welcome: add.welcome,
    ratchetTree: add.ratchetTree,
    keyPackages: client.keyPackages,
    device: client.device,
    authService: client.auth,
  });
}

/** Applies a commit to every listed view; returns the views at the next epoch. */
async function processAll(groups: readonly MlsGroup[], commit: Uint8Array): Promise<MlsGroup[]> {
  return Promise.all(
    groups.map(async (group) => {
      const result = await group.process(commit);
      if (result.kind !== 'commit') throw new Error('expected a commit');
      return result.newGroup;
    }),
  );
}

describe('MLS ratchet tree validation on join', () => {
  it('accepts a Welcome into a tree whose parents list different unmerged leaves', async () => {
    // Leaves 0-7, all parents blank (an add-only commit carries no path).
    const clients = Array.from({ length: 8 }, () => newClient());
    let groups = await groupOf(SUITE, clients);
    // Leaf 5 removes leaves 1 and 7: its path makes the parents above it non-blank.
    const removed = [clients[1]!, clients[7]!].map((c) => c.device.credential.deviceId);
    const removal = await groups[5]!.commitRemove(removed);
    const stay = [0, 2, 3, 4, 6].map((i) => groups[i]!);
    groups = [...(await processAll(stay, removal.commit)), removal.newGroup];
    // Anna (leaf 0) adds one device into leaf 1, then one into leaf 7: the root lists both,
    // the parent above leaves 4-7 only the second.
    for (const name of ['gerda', 'hanna']) {
      const next = newClient();
      const add = await groups[0]!.commitAdd([await keyPackageOf(next, SUITE)]);
      const rest = await processAll(groups.slice(1), add.commit);
      const joined = await joinFrom(next, add);
      expect(joined.epoch, `${name} joins at Anna's epoch`).toBe(add.newGroup.epoch);
      groups = [add.newGroup, ...rest, joined];
    }

    const hello = await groups.at(-1)!.encrypt(text('Hallo'));
    for (const group of groups.slice(0, -1)) {
      expect(await group.process(hello.bytes)).toMatchObject({ kind: 'application' });
    }
  });
});
