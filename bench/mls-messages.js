/*
 * mls-messages: application messages per second on one core, two members. The sender encrypts
 * --count messages in a row, then the receiver decrypts them in order; both rates are reported,
 * for the facade (@amtsbote/crypto MlsGroup) and for naive ts-mls as in its README
 * (createApplicationMessage + encodeMlsMessage, decodeMlsMessage + processPrivateMessage).
 */
import {
  createApplicationMessage,
  createCommit,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  processPrivateMessage,
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
import { figure, nowMs, ratio } from './stats.js';

const GOAL = '>= 5000/s';
const CHECK_EVERY = 256;

async function facadePair(ciphersuite) {
  const [alice, bob] = [newClient(), newClient()];
  const created = await createFacadeGroup(alice, ciphersuite);
  const added = await created.commitAdd([await keyPackageOf(bob, ciphersuite)]);
  return { sender: added.newGroup, receiver: await joinFacadeGroup(bob, added) };
}

async function naivePair(impl) {
  const alice = await createNaiveGroup(impl);
  const bob = await naiveKeyPackage(impl, 'bob');
  const { newState, welcome } = await createCommit(
    { state: alice, cipherSuite: impl },
    { extraProposals: [{ proposalType: 'add', add: { keyPackage: bob.publicPackage } }] },
  );
  const receiver = await joinGroup(
    welcome,
    bob.publicPackage,
    bob.privatePackage,
    emptyPskIndex,
    impl,
    newState.ratchetTree,
  );
  return { sender: newState, receiver };
}

/**
 * Messages of `bytes` bytes that differ from each other, as real ones do (ids, times): MLS signs
 * the content without the generation, so equal plaintexts would carry equal signatures, and a
 * receiver that remembers verified signatures would verify only the first.
 */
function distinctPlaintexts(count, bytes) {
  return Array.from({ length: count }, (_, i) => {
    const text = new TextEncoder().encode(`${i} `.padEnd(bytes, 'x'));
    return text.subarray(0, Math.max(bytes, 1));
  });
}

/** Times encrypting all messages, then decrypting them in order; returns both rates per second. */
async function measure(count, deadline, encryptOne, decryptOne) {
  const wire = [];
  const encryptStart = nowMs();
  for (let i = 0; i < count; i++) {
    wire.push(await encryptOne(i));
    if (i % CHECK_EVERY === 0) deadline.check('encryption');
  }
  const encryptMs = nowMs() - encryptStart;
  const decryptStart = nowMs();
  for (let i = 0; i < count; i++) {
    await decryptOne(wire[i], i);
    if (i % CHECK_EVERY === 0) deadline.check('decryption');
  }
  const decryptMs = nowMs() - decryptStart;
  return {
    encryptPerSecond: (count * 1000) / encryptMs,
    decryptPerSecond: (count * 1000) / decryptMs,
  };
}

function facadeRun(pair, plaintexts, count, deadline) {
  let { sender, receiver } = pair;
  return measure(
    count,
    deadline,
    async (i) => {
      const { bytes, newGroup } = await sender.encrypt(plaintexts[i]);
      sender = newGroup;
      return bytes;
    },
    async (bytes) => {
      const result = await receiver.process(bytes);
      if (result.kind !== 'application') throw new Error('expected an application message');
      receiver = result.newGroup;
    },
  );
}

function naiveRun(pair, impl, plaintexts, count, deadline) {
  let { sender, receiver } = pair;
  return measure(
    count,
    deadline,
    async (i) => {
      const { newState, privateMessage } = await createApplicationMessage(
        sender,
        plaintexts[i],
        impl,
      );
      sender = newState;
      return encodeMlsMessage({
        privateMessage,
        wireformat: 'mls_private_message',
        version: 'mls10',
      });
    },
    async (bytes) => {
      const [decoded] = decodeMlsMessage(bytes, 0);
      if (decoded.wireformat !== 'mls_private_message') throw new Error('expected a message');
      const result = await processPrivateMessage(
        receiver,
        decoded.privateMessage,
        emptyPskIndex,
        impl,
      );
      if (result.kind !== 'applicationMessage') throw new Error('expected an application message');
      receiver = result.newState;
    },
  );
}

export async function mlsMessages(options, deadline) {
  const ciphersuite = ciphersuiteId(options.ciphersuite);
  const impl = await naiveCiphersuite(options.ciphersuite);
  const plaintexts = distinctPlaintexts(options.count, options.bytes);
  const samples = { facadeEnc: [], facadeDec: [], naiveEnc: [], naiveDec: [] };
  // Facade and peer alternate within each repetition, so both see the same machine load.
  for (let rep = 0; rep < options.repetitions; rep++) {
    if (rep > 0 && deadline.isSpent) break;
    const facade = await facadeRun(
      await facadePair(ciphersuite),
      plaintexts,
      options.count,
      deadline,
    );
    const naive = await naiveRun(await naivePair(impl), impl, plaintexts, options.count, deadline);
    samples.facadeEnc.push(facade.encryptPerSecond);
    samples.facadeDec.push(facade.decryptPerSecond);
    samples.naiveEnc.push(naive.encryptPerSecond);
    samples.naiveDec.push(naive.decryptPerSecond);
  }
  const unit = 'msg/s';
  const figures = [
    figure({
      metric: 'encrypt',
      implementation: 'facade',
      unit,
      samples: samples.facadeEnc,
      goal: GOAL,
    }),
    figure({ metric: 'encrypt', implementation: 'naive ts-mls', unit, samples: samples.naiveEnc }),
    figure({
      metric: 'decrypt',
      implementation: 'facade',
      unit,
      samples: samples.facadeDec,
      goal: GOAL,
    }),
    figure({ metric: 'decrypt', implementation: 'naive ts-mls', unit, samples: samples.naiveDec }),
  ];
  return {
    parameters: `ciphersuite ${options.ciphersuite}, ${options.count} messages of ${options.bytes} bytes, 2 members`,
    figures,
    ratios: {
      encrypt: ratio(figures[0], figures[1]),
      decrypt: ratio(figures[2], figures[3]),
    },
  };
}
