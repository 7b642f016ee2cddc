import { z } from 'zod';

/*
 * The server's roster of a conversation (who should be in the MLS group) beyond what the
 * conversation view lists: how former members left, and leaving. ADR 0008.
 */

/** Why a user is no longer a member: they left, or an owner removed them. */
export const MEMBER_DEPARTURES = ['left', 'removed'] as const;
export type MemberDeparture = (typeof MEMBER_DEPARTURES)[number];

export const formerMemberSchema = z.object({
  userId: z.uuid(),
  departure: z.enum(MEMBER_DEPARTURES),
  /**
   * The last seq of the log the user was a member for: an external commit of theirs stored up
   * to there was made while they were a member. Null when not known (departures of old).
   */
  departedAtSeq: z.number().int().min(0).nullable().default(null),
});
export type FormerMember = z.infer<typeof formerMemberSchema>;

/**
 * The caller's user leaves the conversation: membership and the routing of all their devices end
 * at once; the remaining members' devices then commit the MLS removal. The last owner of a group
 * or channel who leaves while others remain names the member who becomes owner.
 */
export const leaveConversationRequestSchema = z.strictObject({
  successorUserId: z.uuid().optional(),
});
export type LeaveConversationRequest = z.input<typeof leaveConversationRequestSchema>;
