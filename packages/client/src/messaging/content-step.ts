import type { MlsGroup } from '@amtsbote/crypto';
import { applyContent, type IncomingContent } from './apply-content.js';
import { emptyStep, type EngineContext, type Step } from './engine-context.js';
import { newConversationInfo } from './group-store.js';

/** The step that records one decrypted (or own) message and announces it; cursor left to the caller. */
export async function contentStep(
  ctx: EngineContext,
  input: IncomingContent,
  options: { readonly isOwn: boolean; readonly group: MlsGroup | null },
): Promise<Step> {
  const { conversationId, content } = input;
  const operations = await applyContent(ctx.messages, input);
  if (content.type === 'acknowledge') {
    const target = await ctx.messages.message(conversationId, content.target);
    const recorded =
      target === null || target.isDeleted
        ? null
        : await ctx.acknowledgements.addOperation(conversationId, content.target, {
            userId: input.sender.userId,
            at: input.sentAt,
          });
    if (recorded !== null) operations.push(recorded);
  }
  if (content.type === 'metadata') {
    const info =
      (await ctx.groups.info(conversationId)) ?? newConversationInfo(conversationId, null);
    operations.push(
      ctx.groups.infoOperation({ ...info, name: content.name, topic: content.topic }),
    );
  }
  return {
    ...emptyStep(conversationId),
    operations,
    group: options.group,
    emit: [
      {
        type: 'message',
        conversationId,
        messageId: input.messageId,
        sender: input.sender,
        content,
        seq: input.seq,
        sentAt: input.sentAt,
        isOwn: options.isOwn,
      },
    ],
  };
}
