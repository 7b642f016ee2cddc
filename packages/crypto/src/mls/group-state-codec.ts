import { decodeGroupState, encodeGroupState, type ClientState, type GroupState } from 'ts-mls';
import { concatBytes } from './bytes.js';
import { MlsGroupError } from './mls-group-error.js';

/*
 * The persisted form of a group: u8 version || ts-mls encodeGroupState. That encoding holds the
 * whole state (group context, key schedule, secret tree with its unused generations, ratchet
 * tree, private path keys, signature private key, pending proposals, confirmation tag, receiver
 * data of past epochs, active/removed state); only the client configuration is not in it, and
 * is supplied again on import (it holds the authentication service).
 */

export const GROUP_STATE_VERSION = 1;

export function encodeGroupStateBytes(state: ClientState): Uint8Array {
  return concatBytes(Uint8Array.of(GROUP_STATE_VERSION), encodeGroupState(state));
}

export function decodeGroupStateBytes(bytes: Uint8Array): GroupState {
  if (bytes[0] !== GROUP_STATE_VERSION) {
    throw new MlsGroupError('invalid_group_state', 'unknown group state version');
  }
  const encoded = bytes.subarray(1);
  let decoded: [GroupState, number] | undefined;
  try {
    // ts-mls decoders return the number of bytes read, so decode from the start of a view.
    decoded = decodeGroupState(encoded, 0);
  } catch (error) {
    throw new MlsGroupError('invalid_group_state', 'group state does not decode', { cause: error });
  }
  if (decoded === undefined || decoded[1] !== encoded.length) {
    throw new MlsGroupError('invalid_group_state', 'group state does not decode');
  }
  const state = decoded[0];
  if (state.ratchetTree[state.privatePath.leafIndex * 2]?.nodeType !== 'leaf') {
    throw new MlsGroupError('invalid_group_state', 'own leaf missing from the tree');
  }
  return state;
}
