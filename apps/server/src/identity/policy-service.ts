import type { OrganizationPolicy, updatePolicyRequestSchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import type { IdentityContext } from './identity-context.js';
import { findPolicy, upsertPolicy } from './policy-store.js';

/*
 * Organization policy: administrators (API or operator CLI) change it, every member reads it,
 * clients follow it. Callers have checked who acts for organizationId.
 */

export async function describePolicy(
  ctx: IdentityContext,
  organizationId: string,
): Promise<OrganizationPolicy> {
  return findPolicy(ctx.db, organizationId);
}

export async function changePolicy(
  ctx: IdentityContext,
  organizationId: string,
  change: z.output<typeof updatePolicyRequestSchema>,
): Promise<OrganizationPolicy> {
  const policy: OrganizationPolicy = { hasReadReceipts: change.hasReadReceipts };
  await upsertPolicy(ctx.db, organizationId, policy, ctx.clock.now());
  return policy;
}
