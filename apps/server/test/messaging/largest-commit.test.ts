import {
  MAX_COMMIT_BYTES,
  MAX_GROUP_INFO_BYTES,
  MAX_RATCHET_TREE_BYTES,
  MAX_WELCOME_BYTES,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectError } from '../http/helpers.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  createConversation,
  newDevice,
  opaque,
  postCommit,
  MANY_LOGINS,
} from './messaging-fixtures.js';

/*
 * The MLS size limits are sized for the largest group (2,000 X-Wing devices, see
 * docs/performance.md). The commit route's body limit must let a commit through with its
 * Welcome, GroupInfo and ratchet tree all at their limits in one request: such a request is
 * parsed and validated, and then refused only for its stale epoch (storing 20 MiB would make the
 * test slow; the size check is what is under test).
 */
describeOnEachBackend('the largest commit', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it('passes the body limit and validation with every MLS object at its limit', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await createConversation(server, owner, [member]);
    const response = await postCommit(server, owner, conversation.id, {
      epoch: 1,
      commit: opaque(MAX_COMMIT_BYTES),
      addedDeviceIds: [member.deviceId],
      welcome: opaque(MAX_WELCOME_BYTES),
      groupInfo: opaque(MAX_GROUP_INFO_BYTES),
      ratchetTree: opaque(MAX_RATCHET_TREE_BYTES),
    });
    expect(expectError(response, 409, 'epoch_conflict').currentEpoch).toBe(0);
  }, 120_000);

  it('refuses a commit one byte over its limit', async () => {
    const owner = await newDevice(server);
    const conversation = await createConversation(server, owner, []);
    const response = await postCommit(server, owner, conversation.id, {
      epoch: 0,
      commit: opaque(MAX_COMMIT_BYTES + 1),
    });
    const error = expectError(response, 400, 'invalid_request');
    expect(error.fields?.map((f) => f.path)).toEqual(['body.commit']);
  });
});
