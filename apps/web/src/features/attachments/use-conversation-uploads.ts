import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useAttachmentsContext } from './AttachmentsProvider.js';
import type { PendingUpload } from './upload-queue.js';

export interface ConversationUploads {
  readonly uploads: readonly PendingUpload[];
  /** The last upload that ended (sent, waiting, cancelled), for a polite live region. */
  readonly announcement: string;
  readonly add: (files: readonly File[]) => void;
  readonly cancel: (id: number) => void;
  readonly retry: (id: number) => void;
  readonly dismiss: (id: number) => void;
}

const OUTCOME_TEXT = {
  sent: 'attachments.sent',
  waiting: 'attachments.waitingInOutbox',
  cancelled: 'attachments.cancelled',
} as const;

/** The files being sent to this conversation; onSent runs once a file's message is stored. */
export function useConversationUploads(
  conversationId: string,
  onSent: () => void,
): ConversationUploads {
  const { uploads: queue } = useAttachmentsContext();
  const { t } = useTranslation();
  const [announcement, setAnnouncement] = useState('');
  const sent = useRef(onSent);
  sent.current = onSent;
  const subscribe = useCallback((listener: () => void) => queue.subscribe(listener), [queue]);
  const uploads = useSyncExternalStore(subscribe, () => queue.uploadsOf(conversationId));

  useEffect(
    () =>
      queue.onOutcome((outcome) => {
        if (outcome.conversationId !== conversationId) return;
        if (outcome.kind === 'sent') sent.current();
        // A failure is announced by its alert in the list.
        if (outcome.kind !== 'failed') {
          setAnnouncement(t(OUTCOME_TEXT[outcome.kind], { name: outcome.name }));
        }
      }),
    [queue, conversationId, t],
  );

  return {
    uploads,
    announcement,
    add: (files) => {
      if (files.length > 0) queue.add(conversationId, files);
    },
    cancel: (id) => {
      queue.cancel(id);
    },
    retry: (id) => {
      queue.retry(id);
    },
    dismiss: (id) => {
      queue.dismiss(id);
    },
  };
}
