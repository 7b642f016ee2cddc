import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3BlobStoreConfig } from '../config.js';
import { BlobStoreError, blobNotFound, storageUnavailable } from './blob-store-error.js';

export interface ObjectStat {
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
}

export interface ObjectRead {
  readonly body: Readable;
  /** The Content-Range header of a ranged read; null for a whole object. */
  readonly contentRange: string | null;
  readonly contentLength: number;
}

export interface ListedObject extends ObjectStat {
  readonly key: string;
}

export interface CompletedPart {
  readonly number: number;
  readonly etag: string;
}

export function createS3Client(config: S3BlobStoreConfig): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Bucket in the path: S3-compatible servers rarely serve bucket host names.
    forcePathStyle: true,
    // By default the SDK adds a CRC32 to every upload, for a stream as aws-chunked framing,
    // which many S3-compatible servers reject or (s3rver) store as part of the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000 },
  });
}

/**
 * The S3 calls the blob store makes, on one bucket. Every failure becomes a BlobStoreError:
 * a missing object 'not_found' (or null where absence is an answer), anything else
 * 'unavailable' with the SDK's error as the cause. Bodies are Buffers, so every request has
 * a known length.
 */
export class S3Bucket {
  readonly #client: S3Client;
  readonly #name: string;

  constructor(client: S3Client, name: string) {
    this.#client = client;
    this.#name = name;
  }

  /** Whether the bucket answers; a missing bucket is 'unavailable' too, not 'not_found'. */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#name }));
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  async put(key: string, body: Buffer): Promise<void> {
    await this.#send(() =>
      this.#client.send(new PutObjectCommand({ Bucket: this.#name, Key: key, Body: body })),
    );
  }

  /** The object's stream, or a part of it (`range` as in an HTTP Range header). */
  async get(key: string, range?: string): Promise<ObjectRead> {
    const output = await this.#send(() =>
      this.#client.send(
        new GetObjectCommand({
          Bucket: this.#name,
          Key: key,
          ...(range === undefined ? {} : { Range: range }),
        }),
      ),
    );
    if (!(output.Body instanceof Readable)) {
      throw storageUnavailable(new Error('GetObject answered without a Node stream'));
    }
    return {
      body: output.Body,
      contentRange: output.ContentRange ?? null,
      contentLength: output.ContentLength ?? 0,
    };
  }

  /** The whole object in memory, or null when there is none; only for small objects. */
  async getBytes(key: string): Promise<Buffer | null> {
    try {
      const { body } = await this.get(key);
      return Buffer.concat(await body.toArray());
    } catch (error) {
      if (error instanceof BlobStoreError && error.code === 'not_found') return null;
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectStat | null> {
    try {
      const output = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#name, Key: key }),
      );
      return {
        sizeBytes: output.ContentLength ?? 0,
        modifiedAt: output.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw storageUnavailable(error);
    }
  }

  /** Deleting an object that does not exist succeeds, as in S3. */
  async delete(key: string): Promise<void> {
    await this.#send(() =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#name, Key: key })),
    );
  }

  async *list(prefix: string): AsyncGenerator<ListedObject> {
    let continuationToken: string | undefined;
    do {
      const token = continuationToken;
      const page = await this.#send(() =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#name,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key,
          sizeBytes: object.Size ?? 0,
          modifiedAt: object.LastModified ?? new Date(0),
        };
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async createMultipart(key: string): Promise<string> {
    const output = await this.#send(() =>
      this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#name, Key: key })),
    );
    assert(output.UploadId !== undefined, 'CreateMultipartUpload answered without an UploadId');
    return output.UploadId;
  }

  /** Uploads one part; returns its ETag. */
  async uploadPart(key: string, uploadId: string, number: number, body: Buffer): Promise<string> {
    const output = await this.#send(() =>
      this.#client.send(
        new UploadPartCommand({
          Bucket: this.#name,
          Key: key,
          UploadId: uploadId,
          PartNumber: number,
          Body: body,
        }),
      ),
    );
    assert(output.ETag !== undefined, 'UploadPart answered without an ETag');
    return output.ETag;
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<void> {
    await this.#send(() =>
      this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#name,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag })),
          },
        }),
      ),
    );
  }

  /**
   * Best effort: an unfinished multipart upload is invisible, and the bucket's lifecycle rule
   * (AbortIncompleteMultipartUpload, ADR 0013) removes what could not be aborted here. Some
   * S3-compatible servers (s3rver) do not implement AbortMultipartUpload at all.
   */
  async abortMultipartQuietly(key: string, uploadId: string): Promise<void> {
    await this.#client
      .send(new AbortMultipartUploadCommand({ Bucket: this.#name, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  async #send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw isMissingObject(error) ? blobNotFound() : storageUnavailable(error);
    }
  }
}

/** GetObject names a missing key NoSuchKey; HeadObject's 404 has no body, so just NotFound. */
function isMissingObject(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}
