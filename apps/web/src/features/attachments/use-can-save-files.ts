import { canSaveFiles, type MessagingClient } from '@amtsbote/client';
import { useEffect, useState } from 'react';

/**
 * Whether the organization lets members save files on their devices: null until the policy
 * is read; false when it cannot be (the stricter setting, as for read receipts).
 */
export function useCanSaveFiles(client: MessagingClient): boolean | null {
  const [canSave, setCanSave] = useState<boolean | null>(null);
  useEffect(() => {
    let isCurrent = true;
    client.policy().then(
      (policy) => {
        if (isCurrent) setCanSave(canSaveFiles(policy));
      },
      () => {
        if (isCurrent) setCanSave(false);
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [client]);
  return canSave;
}
