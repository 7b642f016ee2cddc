import type { MessagingClient } from '@amtsbote/client';
import { useCallback, useEffect, useState } from 'react';

/** Which of these colleagues the user verified; markVerified() shows a new one at once. */
export function useVerified(
  client: MessagingClient,
  userIds: readonly string[],
  isOpen: boolean,
): { readonly verified: ReadonlySet<string>; readonly markVerified: (userId: string) => void } {
  const [verified, setVerified] = useState<ReadonlySet<string>>(new Set());
  const key = [...new Set(userIds)].sort().join(',');
  useEffect(() => {
    if (!isOpen || key === '') return;
    let isCurrent = true;
    const ids = key.split(',');
    void Promise.all(ids.map(async (id) => ((await client.isVerified(id)) ? [id] : []))).then(
      (lists) => {
        if (isCurrent) setVerified(new Set(lists.flat()));
      },
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [client, key, isOpen]);
  const markVerified = useCallback((userId: string) => {
    setVerified((current) => new Set([...current, userId]));
  }, []);
  return { verified, markVerified };
}
