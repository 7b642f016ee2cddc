/*
 * mls-commit-add: one commit adding --members devices to a new group (key packages made before,
 * not timed). mls-commit-process: an existing member processing one commit (adding one device,
 * and removing one) in a group of --members devices. Each for the facade (@amtsbote/crypto) and
 * for naive ts-mls as in its README (createCommit; decodeMlsMessage + processMessage).
 */
import { MLS_LIMITS } from '@amtsbote/crypto';
import {
  acceptAll,
  createCommit,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  processMessage,
} from 'ts-mls';
import {
  ciphersuiteId,
  createFacadeGroup,
  createNaiveGroup,
  joinFacadeGroup,
  keyPackageOf,
  naiveCiphersuite,
  naiveKeyPackage,
  newClient,
} from './mls-fixtures.js';
import { figure, ratio, timed } from './stats.js';

const ADD_GOAL = '<= 2000 ms (1000 members)';
const PROCESS_GOAL = '<= 700 ms (1000 members)';

async function facadeClients(count, ciphersuite, deadline) {
  const clients = [];
  for (let i = 0; i < count; i++) {
    const client = newClient();
    clients.push({ client, keyPackage: await keyPackageOf(client, ciphersuite) });
    if (i % 50 === 0) deadline.check('key package generation (facade)');
  }
  return clients;
}

async function naiveKeyPackages(count, impl, deadline) {
  const packages = [];
  for (let i = 0; i < count; i++) {
    packages.push(await naiveKeyPackage(impl, `member-${i}`));
    if (i % 50 === 0) deadline.check('key package generation (naive)');
  }
  return packages;
}

const addProposal = (keyPackage) => ({ proposalType: 'add', add: { keyPackage } });

function naiveCommit(state, impl, proposals) {
  return createCommit({ state, cipherSuite: impl }, { extraProposals: proposals });
}

/** Sizes of what the commit produced, against the limits receivers apply (MLS_LIMITS). */
function sizeFigures(result) {
  const size = (metric, bytes, limit) =>
    figure({
      metric: `${metric} size`,
      implementation: 'facade',
      unit: 'bytes',
      samples: [bytes.length],
      goal: `limit ${limit}${bytes.length > limit ? ' EXCEEDED: receivers refuse it' : ''}`,
    });
  return [
    size('commit', result.commit, MLS_LIMITS.commitMaxBytes),
    size('Welcome', result.welcome, MLS_LIMITS.welcomeMaxBytes),
    size('GroupInfo', result.groupInfo, MLS_LIMITS.groupInfoMaxBytes),
    size('ratchet tree', result.ratchetTree, MLS_LIMITS.ratchetTreeMaxBytes),
  ];
}

const encodeCommit = (commit) => encodeMlsMessage(commit);

export async function mlsCommitAdd(options, deadline) {
  const ciphersuite = ciphersuiteId(options.ciphersuite);
  const impl = await naiveCiphersuite(options.ciphersuite);
  const members = await facadeClients(options.members, ciphersuite, deadline);
  const keyPackages = members.map((m) => m.keyPackage);
  const naivePackages = (await naiveKeyPackages(options.members, impl, deadline)).map(
    (p) => p.publicPackage,
  );
  const facadeMs = [];
  const naiveMs = [];
  let sizes = null;
  for (let rep = 0; rep < options.repetitions; rep++) {
    if (rep > 0 && deadline.isSpent) break;
    // A new creator each time, so every repetition meets the members for the first time.
    const group = await createFacadeGroup(newClient(), ciphersuite);
    const facade = await timed(() => group.commitAdd(keyPackages));
    facadeMs.push(facade.elapsedMs);
    sizes = facade.result;
    const naiveGroup = await createNaiveGroup(impl);
    const naive = await timed(async () => {
      const result = await naiveCommit(naiveGroup, impl, naivePackages.map(addProposal));
      encodeCommit(result.commit);
      encodeMlsMessage({ welcome: result.welcome, wireformat: 'mls_welcome', version: 'mls10' });
    });
    naiveMs.push(naive.elapsedMs);
  }
  const figures = [
    figure({
      metric: 'commit adding M',
      implementation: 'facade',
      unit: 'ms',
      samples: facadeMs,
      goal: ADD_GOAL,
    }),
    figure({
      metric: 'commit adding M',
      implementation: 'naive ts-mls',
      unit: 'ms',
      samples: naiveMs,
    }),
    ...sizeFigures(sizes),
  ];
  return {
    parameters: `ciphersuite ${options.ciphersuite}, M = ${options.members} devices added to a 1-member group`,
    figures,
    ratios: { 'commit adding M': ratio(figures[0], figures[1]) },
  };
}

/*
 * Setup adds the members in commits of at most SETUP_CHUNK devices (as the first figures were
 * measured, when a Welcome to 1000 X-Wing devices exceeded the limits of the time). The receiver
 * is the first device of the last commit and joins from its Welcome.
 */
const SETUP_CHUNK = 400;

function chunks(items) {
  const result = [];
  for (let i = 0; i < items.length; i += SETUP_CHUNK) result.push(items.slice(i, i + SETUP_CHUNK));
  return result;
}

/** A member to remove: neither the committer (leaf 0) nor the receiver. */
const removableLeaf = (receiverLeaf) => (receiverLeaf === 1 ? 2 : 1);

async function facadeGroupOf(size, ciphersuite, deadline) {
  const members = await facadeClients(size - 1, ciphersuite, deadline);
  let committer = await createFacadeGroup(newClient(), ciphersuite);
  let last = null;
  for (const chunk of chunks(members)) {
    last = { chunk, added: await committer.commitAdd(chunk.map((m) => m.keyPackage)) };
    committer = last.added.newGroup;
    deadline.check('group setup (facade)');
  }
  const join = await timed(() => joinFacadeGroup(last.chunk[0].client, last.added));
  const removedLeaf = removableLeaf(join.result.ownLeafIndex);
  const removed = committer.members().find((m) => m.leafIndex === removedLeaf).deviceId;
  return { committer, receiver: join.result, removed, joinMs: join.elapsedMs };
}

async function naiveGroupOf(size, impl, deadline) {
  const packages = await naiveKeyPackages(size - 1, impl, deadline);
  let committer = await createNaiveGroup(impl);
  let last = null;
  for (const chunk of chunks(packages)) {
    const proposals = chunk.map((p) => addProposal(p.publicPackage));
    last = { chunk, added: await naiveCommit(committer, impl, proposals) };
    committer = last.added.newState;
    deadline.check('group setup (naive)');
  }
  const [first] = last.chunk;
  const join = await timed(() =>
    joinGroup(
      last.added.welcome,
      first.publicPackage,
      first.privatePackage,
      emptyPskIndex,
      impl,
      committer.ratchetTree,
    ),
  );
  const removedLeaf = removableLeaf(join.result.privatePath.leafIndex);
  return { committer, receiver: join.result, removedLeaf, joinMs: join.elapsedMs };
}

async function naiveProcess(receiver, impl, bytes) {
  const [message] = decodeMlsMessage(bytes, 0);
  const result = await processMessage(message, receiver, emptyPskIndex, acceptAll, impl);
  if (result.kind !== 'newState') throw new Error('expected a commit');
}

async function facadeProcess(receiver, bytes) {
  const result = await receiver.process(bytes);
  if (result.kind !== 'commit') throw new Error('expected a commit');
}

export async function mlsCommitProcess(options, deadline) {
  const ciphersuite = ciphersuiteId(options.ciphersuite);
  const impl = await naiveCiphersuite(options.ciphersuite);
  const facade = await facadeGroupOf(options.members, ciphersuite, deadline);
  const naive = await naiveGroupOf(options.members, impl, deadline);
  const samples = { facadeAdd: [], facadeRemove: [], naiveAdd: [], naiveRemove: [] };
  let sizes = null;
  for (let rep = 0; rep < options.repetitions; rep++) {
    if (rep > 0 && deadline.isSpent) break;
    // Every commit builds on the same epoch (states are immutable), so repetitions are alike.
    const joiner = newClient();
    const add = await facade.committer.commitAdd([await keyPackageOf(joiner, ciphersuite)]);
    samples.facadeAdd.push(
      (await timed(() => facadeProcess(facade.receiver, add.commit))).elapsedMs,
    );
    const remove = await facade.committer.commitRemove([facade.removed]);
    sizes = { add: add.commit, remove: remove.commit };
    // The committer does not check the size; receivers refuse a commit over the limit.
    if (remove.commit.length <= MLS_LIMITS.commitMaxBytes) {
      samples.facadeRemove.push(
        (await timed(() => facadeProcess(facade.receiver, remove.commit))).elapsedMs,
      );
    }

    const naiveJoiner = await naiveKeyPackage(impl, `joiner-${rep}`);
    const naiveAdd = await naiveCommit(naive.committer, impl, [
      addProposal(naiveJoiner.publicPackage),
    ]);
    const addBytes = encodeCommit(naiveAdd.commit);
    samples.naiveAdd.push(
      (await timed(() => naiveProcess(naive.receiver, impl, addBytes))).elapsedMs,
    );
    const naiveRemove = await naiveCommit(naive.committer, impl, [
      { proposalType: 'remove', remove: { removed: naive.removedLeaf } },
    ]);
    const removeBytes = encodeCommit(naiveRemove.commit);
    samples.naiveRemove.push(
      (await timed(() => naiveProcess(naive.receiver, impl, removeBytes))).elapsedMs,
    );
  }
  const figures = [];
  const ratios = {};
  const pair = (metric, facadeSamples, naiveSamples, goal = null) => {
    const naiveFigure = figure({
      metric,
      implementation: 'naive ts-mls',
      unit: 'ms',
      samples: naiveSamples,
    });
    if (facadeSamples.length === 0) {
      figures.push(naiveFigure);
      ratios[metric] = null;
      return;
    }
    const facadeFigure = figure({
      metric,
      implementation: 'facade',
      unit: 'ms',
      samples: facadeSamples,
      goal,
    });
    figures.push(facadeFigure, naiveFigure);
    ratios[metric] = ratio(facadeFigure, naiveFigure);
  };
  pair('process commit adding 1', samples.facadeAdd, samples.naiveAdd, PROCESS_GOAL);
  pair('process commit removing 1', samples.facadeRemove, samples.naiveRemove, PROCESS_GOAL);
  pair('join from Welcome (setup, once)', [facade.joinMs], [naive.joinMs]);
  for (const [metric, bytes] of [
    ['commit adding 1', sizes.add],
    ['commit removing 1', sizes.remove],
  ]) {
    const limit = MLS_LIMITS.commitMaxBytes;
    const refused = bytes.length > limit ? ' EXCEEDED: receivers refuse it, not timed' : '';
    figures.push(
      figure({
        metric: `${metric} size`,
        implementation: 'facade',
        unit: 'bytes',
        samples: [bytes.length],
        goal: `limit ${limit}${refused}`,
      }),
    );
  }
  return {
    parameters: `ciphersuite ${options.ciphersuite}, group of M = ${options.members} devices (set up by commits of at most ${SETUP_CHUNK})`,
    figures,
    ratios,
  };
}
