import type { MessageContent, MessageIntent } from '@amtsbote/protocol';
import type { EngineContext } from './engine-context.js';
import { intentOf } from './message-intent.js';

/*
 * Announcement channels: only owners and posters post; members respond (acknowledge, read,
 * react). The server refuses posts declared by non-posters; a member could still declare a
 * post a 'response', so every receiver checks the decrypted content against the declared
 * intent, and the sender against the server's roster.
 */

/** Why an incoming message must not be shown, or null when it may. */
export type ChannelRefusal = 'intent_mismatch' | 'not_a_poster';

async function isChannel(ctx: EngineContext, conversationId: string): Promise<boolean> {
  const kind =
    (await ctx.groups.info(conversationId))?.kind ?? (await ctx.roster.kindOf(conversationId));
  return kind === 'channel';
}

/** Checks a decrypted message of another device before it is applied. */
export async function channelRefusal(
  ctx: EngineContext,
  message: {
    readonly conversationId: string;
    /** As the server delivered it; null only from a server older than intents (a post). */
    readonly intent: MessageIntent | null;
    readonly senderUserId: string;
    readonly content: MessageContent;
  },
): Promise<ChannelRefusal | null> {
  if (intentOf(message.content) === 'response') return null;
  if (!(await isChannel(ctx, message.conversationId))) return null;
  if (message.intent === 'response') return 'intent_mismatch';
  const mayPost = await ctx.roster.mayPost(message.conversationId, message.senderUserId);
  return mayPost ? null : 'not_a_poster';
}

/** Whether this user may send the content here, by the server's roster. */
export async function maySend(
  ctx: EngineContext,
  conversationId: string,
  content: { readonly type: MessageContent['type'] },
): Promise<boolean> {
  if (intentOf(content) === 'response') return true;
  if (!(await isChannel(ctx, conversationId))) return true;
  return ctx.roster.mayPost(conversationId, ctx.account.userId);
}
