import { z } from 'zod';

/*
 * Organization-wide settings that clients follow. The server stores them and every member may
 * read them; only administrators change them. Clients enforce them on their side (the server
 * cannot tell a read receipt from any other encrypted message).
 */

export const organizationPolicySchema = z.object({
  /** Off: clients send no read receipts and show no one else's read markers. Default on. */
  hasReadReceipts: z.boolean(),
});
export type OrganizationPolicy = z.infer<typeof organizationPolicySchema>;

export const updatePolicyRequestSchema = z.strictObject({
  hasReadReceipts: z.boolean(),
});
