import type { RecoveryView, putRecoveryRequestSchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import { notFound } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { decodeBytes, encodeBytes } from './bytes.js';
import { findRecoveryBlob, upsertRecoveryBlob } from './recovery-store.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * The user secrets sealed under the user's recovery key (ADR 0007). Any live device of the user
 * may store or replace them (a new recovery key) and read them (a device being recovered). The
 * server cannot open them; replacing them can only make recovery fail, not read anything.
 */

export async function putRecovery(
  ctx: MessagingContext,
  principal: Principal,
  input: z.output<typeof putRecoveryRequestSchema>,
): Promise<RecoveryView> {
  const at = ctx.clock.now();
  const sealedSecrets = decodeBytes(input.sealedSecrets, 'sealedSecrets');
  await upsertRecoveryBlob(ctx.db, {
    organizationId: principal.organizationId,
    userId: principal.userId,
    sealedSecrets,
    at,
  });
  return { sealedSecrets: encodeBytes(sealedSecrets), updatedAt: at.toISOString() };
}

export async function getRecovery(
  ctx: MessagingContext,
  principal: Principal,
): Promise<RecoveryView> {
  const blob = await findRecoveryBlob(ctx.db, principal.organizationId, principal.userId);
  if (blob === undefined) throw notFound('recovery_not_found', 'recovery');
  return {
    sealedSecrets: encodeBytes(blob.sealedSecrets),
    updatedAt: blob.updatedAt.toISOString(),
  };
}
