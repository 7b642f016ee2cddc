import path from 'node:path';
import type { BlobId } from './blob-id.js';

/**
 * Where the filesystem store keeps things, all below one root (by default <dataDir>/blobs) so
 * that renames stay within one filesystem:
 *   objects/<first 2 hex digits>/<id>   complete blobs (256 shards keep directories small)
 *   uploads/<id>, uploads/<id>.json     unfinished tus uploads and their tus metadata
 *   tmp/<random>.partial                blobs being written
 */
export interface FilesystemLayout {
  readonly root: string;
  readonly objectsDir: string;
  readonly uploadsDir: string;
  readonly tmpDir: string;
  objectPath(id: BlobId): string;
}

export function filesystemLayout(root: string): FilesystemLayout {
  const objectsDir = path.join(root, 'objects');
  return {
    root,
    objectsDir,
    uploadsDir: path.join(root, 'uploads'),
    tmpDir: path.join(root, 'tmp'),
    objectPath: (id) => path.join(objectsDir, id.slice(0, 2), id),
  };
}
