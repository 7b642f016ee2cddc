import { MAX_DIRECTORY_LOOKUP_IDS, type DirectoryLookupEntry } from '@amtsbote/protocol';

/**
 * Looks up any number of user ids a batch at a time, as the server takes at most
 * MAX_DIRECTORY_LOOKUP_IDS ids per request, each once. Duplicates (compared without regard to
 * case, as uuids are) are asked for once; batches go one after another, not all at once, so a
 * long list does not use up the rate limit in a burst.
 */
export async function lookupInBatches(
  userIds: readonly string[],
  lookup: (batch: readonly string[]) => Promise<readonly DirectoryLookupEntry[]>,
  batchSize: number = MAX_DIRECTORY_LOOKUP_IDS,
): Promise<DirectoryLookupEntry[]> {
  const unique = [...new Set(userIds.map((id) => id.toLowerCase()))];
  const found: DirectoryLookupEntry[] = [];
  for (let start = 0; start < unique.length; start += batchSize) {
    found.push(...(await lookup(unique.slice(start, start + batchSize))));
  }
  return found;
}
