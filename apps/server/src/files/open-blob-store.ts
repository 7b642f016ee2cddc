import { assertNever } from '../errors.js';
import type { Clock } from '../clock.js';
import type { BlobStoreConfig } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { openFilesystemBlobStore } from './filesystem-blob-store.js';
import { openS3BlobStore } from './s3-blob-store.js';

export interface BlobStoreDependencies {
  readonly clock: Clock;
}

/** Opens the configured blob store; 'unavailable' when its directory or bucket cannot be used. */
export async function openBlobStore(
  config: BlobStoreConfig,
  dependencies: BlobStoreDependencies,
): Promise<BlobStore> {
  switch (config.kind) {
    case 'filesystem':
      return openFilesystemBlobStore({ directory: config.directory, clock: dependencies.clock });
    case 's3':
      return openS3BlobStore({ config, clock: dependencies.clock });
    default:
      return assertNever(config);
  }
}
