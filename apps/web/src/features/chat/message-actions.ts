/** What the user can do with a message; ConversationView carries each out. */
export type MessageAction =
  | { readonly kind: 'reply'; readonly messageId: string }
  | { readonly kind: 'edit'; readonly messageId: string }
  | { readonly kind: 'delete'; readonly messageId: string }
  | {
      readonly kind: 'react';
      readonly messageId: string;
      readonly emoji: string;
      readonly isRemoved: boolean;
    }
  | { readonly kind: 'acknowledge'; readonly messageId: string }
  | { readonly kind: 'show-acknowledgements'; readonly messageId: string };

/** The quick reactions offered in the message menu. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '✅'] as const;
