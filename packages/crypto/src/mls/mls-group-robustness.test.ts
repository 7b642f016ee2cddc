import fc from 'fast-check';
import { createProposal, encodeMlsMessage } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, loadCiphersuite } from './ciphersuite.js';
import { decodeGroupStateBytes } from './group-state-codec.js';
import { MlsGroupError } from './mls-group-error.js';
import { MAX_PROCESSED_MESSAGE_BYTES } from './mls-message-codec.js';
import { groupOf, keyPackageOf, newClient, text } from './test-fixtures.js';

const CLASSIC = MLS_CIPHERSUITES.classic;

async function pair() {
  const [alice, bob] = await groupOf(CLASSIC, [newClient(), newClient()]);
  return { alice: alice!, bob: bob! };
}

describe('MLS group replay protection', () => {
  it('refuses a replayed application message and keeps reading afterwards', async () => {
    const { alice, bob } = await pair();
    const first = await alice.encrypt(text('eins'));
    const read = await bob.process(first.bytes);
    await expect(read.newGroup.process(first.bytes)).rejects.toMatchObject({
      code: 'message_replayed',
    });
    const second = await first.newGroup.encrypt(text('zwei'));
    expect(await read.newGroup.process(second.bytes)).toMatchObject({
      kind: 'application',
      plaintext: text('zwei'),
    });
  });

  it('reads messages out of order once each, and refuses the second copy', async () => {
    const { alice, bob } = await pair();
    const first = await alice.encrypt(text('eins'));
    const second = await first.newGroup.encrypt(text('zwei'));
    const afterSecond = await bob.process(second.bytes);
    const afterFirst = await afterSecond.newGroup.process(first.bytes);
    expect(afterFirst).toMatchObject({ kind: 'application', plaintext: text('eins') });
    await expect(afterFirst.newGroup.process(first.bytes)).rejects.toMatchObject({
      code: 'message_replayed',
    });
    await expect(afterFirst.newGroup.process(second.bytes)).rejects.toMatchObject({
      code: 'message_replayed',
    });
  });
});

describe('MLS group message routing checks', () => {
  it('refuses a message of another group', async () => {
    const { alice } = await pair();
    const other = await pair();
    const { bytes } = await other.alice.encrypt(text('x'));
    await expect(alice.process(bytes)).rejects.toMatchObject({ code: 'wrong_group' });
  });

  it('refuses a message of a past epoch, including the committer’s own commit', async () => {
    const { alice, bob } = await pair();
    const old = await bob.encrypt(text('alt'));
    const add = await alice.commitAdd([await keyPackageOf(newClient(), CLASSIC)]);
    await expect(add.newGroup.process(old.bytes)).rejects.toMatchObject({ code: 'stale_epoch' });
    await expect(add.newGroup.process(add.commit)).rejects.toMatchObject({ code: 'stale_epoch' });
  });

  it('refuses a message of a future epoch until the missing commit is processed', async () => {
    const { alice, bob } = await pair();
    const add = await alice.commitAdd([await keyPackageOf(newClient(), CLASSIC)]);
    const message = await add.newGroup.encrypt(text('neu'));
    await expect(bob.process(message.bytes)).rejects.toMatchObject({ code: 'future_epoch' });
    const caughtUp = await bob.process(add.commit);
    expect(await caughtUp.newGroup.process(message.bytes)).toMatchObject({ kind: 'application' });
  });

  it('refuses a standalone proposal', async () => {
    const { alice, bob } = await pair();
    const state = decodeGroupStateBytes(alice.export());
    const { message } = await createProposal(
      { ...state, clientConfig: defaultClientConfig },
      false,
      { proposalType: 'remove', remove: { removed: 1 } },
      await loadCiphersuite(CLASSIC),
    );
    await expect(bob.process(encodeMlsMessage(message))).rejects.toMatchObject({
      code: 'unsupported_message',
    });
  });

  it('refuses a Welcome, a key package or a GroupInfo given as a message', async () => {
    const { alice, bob } = await pair();
    const add = await alice.commitAdd([await keyPackageOf(newClient(), CLASSIC)]);
    for (const bytes of [add.welcome, add.groupInfo, await keyPackageOf(newClient(), CLASSIC)]) {
      await expect(bob.process(bytes)).rejects.toMatchObject({ code: 'unsupported_message' });
    }
  });
});

describe('MLS group malformed input', () => {
  it('refuses trailing bytes after a valid message', async () => {
    const { alice, bob } = await pair();
    const { bytes } = await alice.encrypt(text('x'));
    await expect(bob.process(new Uint8Array([...bytes, 0]))).rejects.toMatchObject({
      code: 'malformed_message',
    });
  });

  it('refuses input above the size limit before decoding it', async () => {
    const { bob } = await pair();
    await expect(
      bob.process(new Uint8Array(MAX_PROCESSED_MESSAGE_BYTES + 1)),
    ).rejects.toMatchObject({ code: 'message_too_large' });
  });

  it('gives a typed error, never a result, for any random bytes', async () => {
    const { bob } = await pair();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await expect(bob.process(bytes)).rejects.toBeInstanceOf(MlsGroupError);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a typed error for random bytes behind a valid private-message header', async () => {
    const { alice, bob } = await pair();
    const { bytes } = await alice.encrypt(text('x'));
    // version (2) + wire format (2) + group id (1 + 16) + epoch (8): what routing reads first.
    const header = bytes.subarray(0, 29);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (tail) => {
        await expect(bob.process(new Uint8Array([...header, ...tail]))).rejects.toBeInstanceOf(
          MlsGroupError,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a valid message with any single byte changed', async () => {
    const { alice, bob } = await pair();
    const { bytes } = await alice.encrypt(text('vertraulich'));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, mask) => {
          const changed = bytes.slice();
          changed[index] = (changed[index] ?? 0) ^ mask;
          await expect(bob.process(changed)).rejects.toBeInstanceOf(MlsGroupError);
        },
      ),
      { numRuns: 200 },
    );
    expect(await bob.process(bytes)).toMatchObject({ kind: 'application' });
  });
});
