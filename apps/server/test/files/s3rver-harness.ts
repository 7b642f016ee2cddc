import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3BlobStoreConfig } from '../../src/config.js';
import { createS3Client } from '../../src/files/s3-bucket.js';

export interface RunningS3rver {
  readonly endpoint: string;
  /** A configuration for a new, empty bucket on this server. */
  createBucket(): Promise<S3BlobStoreConfig>;
  stop(): Promise<void>;
}

/**
 * s3rver on loopback with a random port and its own temp directory. It knows one account,
 * S3RVER / S3RVER, and does not check V4 signatures.
 */
export async function startS3rver(): Promise<RunningS3rver> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    createBucket: async () => {
      const config: S3BlobStoreConfig = {
        kind: 's3',
        endpoint,
        bucket: `test-${randomUUID()}`,
        region: 'eu-central-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      };
      const client = createS3Client(config);
      try {
        await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
      } finally {
        client.destroy();
      }
      return config;
    },
    stop: async () => {
      // Kept-alive SDK connections would hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
