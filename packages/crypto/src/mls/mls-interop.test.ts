import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPub,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  mlsExporter,
  processMessage,
  processPrivateMessage,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
} from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, ciphersuiteName, loadCiphersuite } from './ciphersuite.js';

/*
 * Whole groups in which some members run the optimised ciphersuite (loadCiphersuite in Node)
 * and others plain ts-mls with its stock implementation: Welcomes, commits with update paths,
 * external joins and application messages cross between them in both directions, and every
 * member ends in the same epoch with the same exported secret.
 */

const SUITES = [
  ['X-Wing', MLS_CIPHERSUITES.xwing],
  ['classic X25519', MLS_CIPHERSUITES.classic],
] as const;

interface Member {
  readonly name: string;
  readonly cs: CiphersuiteImpl;
  state: ClientState;
}

interface Candidate {
  readonly name: string;
  readonly cs: CiphersuiteImpl;
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function candidate(name: string, cs: CiphersuiteImpl): Promise<Candidate> {
  const { publicPackage, privatePackage } = await generateKeyPackage(
    { credentialType: 'basic', identity: encoder.encode(name) },
    defaultCapabilities(),
    defaultLifetime,
    [],
    cs,
  );
  return { name, cs, publicPackage, privatePackage };
}

const add = (c: Candidate): Proposal => ({
  proposalType: 'add',
  add: { keyPackage: c.publicPackage },
});
const remove = (leafIndex: number): Proposal => ({
  proposalType: 'remove',
  remove: { removed: leafIndex },
});

/** A commit by `committer`, processed by `others`; returns the Welcome, if any. */
async function commit(committer: Member, others: readonly Member[], proposals: Proposal[]) {
  const result = await createCommit(
    { state: committer.state, cipherSuite: committer.cs },
    { extraProposals: proposals },
  );
  committer.state = result.newState;
  if (result.commit.wireformat !== 'mls_private_message') throw new Error('expected a commit');
  for (const member of others) {
    const processed = await processMessage(
      result.commit,
      member.state,
      emptyPskIndex,
      acceptAll,
      member.cs,
    );
    if (processed.kind !== 'newState') throw new Error(`${member.name} did not take the commit`);
    member.state = processed.newState;
  }
  return result.welcome;
}

async function join(
  c: Candidate,
  welcome: Awaited<ReturnType<typeof commit>>,
  tree: ClientState['ratchetTree'],
): Promise<Member> {
  if (welcome === undefined) throw new Error('expected a Welcome');
  const state = await joinGroup(
    welcome,
    c.publicPackage,
    c.privatePackage,
    emptyPskIndex,
    c.cs,
    tree,
  );
  return { name: c.name, cs: c.cs, state };
}

/** `sender` sends one message; every reader decrypts it. */
async function exchange(sender: Member, readers: readonly Member[]): Promise<void> {
  const text = `from ${sender.name} at epoch ${sender.state.groupContext.epoch}`;
  const { newState, privateMessage } = await createApplicationMessage(
    sender.state,
    encoder.encode(text),
    sender.cs,
  );
  sender.state = newState;
  for (const reader of readers) {
    const result = await processPrivateMessage(
      reader.state,
      privateMessage,
      emptyPskIndex,
      reader.cs,
    );
    if (result.kind !== 'applicationMessage') throw new Error('expected an application message');
    expect(decoder.decode(result.message)).toBe(text);
    reader.state = result.newState;
  }
}

async function expectSameEpoch(members: readonly Member[]): Promise<void> {
  const exported = await Promise.all(
    members.map(async (m) => ({
      epoch: m.state.groupContext.epoch,
      secret: await mlsExporter(
        m.state.keySchedule.exporterSecret,
        'test',
        new Uint8Array(),
        32,
        m.cs,
      ),
    })),
  );
  for (const entry of exported) expect(entry).toEqual(exported[0]);
}

describe.each(SUITES)('a group mixing the optimised and the stock ciphersuite (%s)', (_n, id) => {
  it('exchanges Welcomes, commits with update paths and messages both ways', async () => {
    const fast = await loadCiphersuite(id);
    const stock = await getCiphersuiteImpl(getCiphersuiteFromName(ciphersuiteName(id)));
    const creator = await candidate('alice', fast);
    const alice: Member = {
      name: 'alice',
      cs: fast,
      state: await createGroup(
        crypto.getRandomValues(new Uint8Array(16)),
        creator.publicPackage,
        creator.privatePackage,
        [],
        fast,
      ),
    };

    // The optimised side makes a Welcome that the stock side joins from, and vice versa below.
    const bobJoins = await candidate('bob', stock);
    const carolJoins = await candidate('carol', fast);
    const welcome = await commit(alice, [], [add(bobJoins), add(carolJoins)]);
    const bob = await join(bobJoins, welcome, alice.state.ratchetTree);
    const carol = await join(carolJoins, welcome, alice.state.ratchetTree);
    await exchange(alice, [bob, carol]);
    await exchange(bob, [alice, carol]);

    // Stock commits with an update path (a remove needs one), encrypted to optimised members.
    const daveJoins = await candidate('dave', fast);
    const bobsWelcome = await commit(
      bob,
      [alice],
      [remove(carol.state.privatePath.leafIndex), add(daveJoins)],
    );
    const dave = await join(daveJoins, bobsWelcome, bob.state.ratchetTree);
    await expectSameEpoch([alice, bob, dave]);
    await exchange(dave, [alice, bob]);

    // The optimised side commits with an update path, which the stock member decrypts.
    await commit(alice, [bob], [remove(dave.state.privatePath.leafIndex)]);
    await expectSameEpoch([alice, bob]);
    await exchange(bob, [alice]);
    await exchange(alice, [bob]);
  });

  it('lets a device of either kind join by external commit, which the other kind accepts', async () => {
    const fast = await loadCiphersuite(id);
    const stock = await getCiphersuiteImpl(getCiphersuiteFromName(ciphersuiteName(id)));
    const creator = await candidate('alice', stock);
    const alice: Member = {
      name: 'alice',
      cs: stock,
      state: await createGroup(
        crypto.getRandomValues(new Uint8Array(16)),
        creator.publicPackage,
        creator.privatePackage,
        [],
        stock,
      ),
    };
    const members: Member[] = [alice];
    for (const [name, cs] of [
      ['erin', fast],
      ['frank', stock],
    ] as const) {
      const groupInfo = await createGroupInfoWithExternalPub(members[0]!.state, [], members[0]!.cs);
      const joiner = await candidate(name, cs);
      const { publicMessage, newState } = await joinGroupExternal(
        groupInfo,
        joiner.publicPackage,
        joiner.privatePackage,
        false,
        cs,
        members[0]!.state.ratchetTree,
      );
      for (const member of members) {
        const processed = await processMessage(
          { wireformat: 'mls_public_message', publicMessage },
          member.state,
          emptyPskIndex,
          acceptAll,
          member.cs,
        );
        if (processed.kind !== 'newState') throw new Error('expected the external commit');
        member.state = processed.newState;
      }
      members.push({ name, cs, state: newState });
      // The next GroupInfo comes from the newest member, so each kind exports once.
      members.reverse();
    }
    await expectSameEpoch(members);
    for (const sender of members)
      await exchange(
        sender,
        members.filter((m) => m !== sender),
      );
  });
});
