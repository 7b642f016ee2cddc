/*
 * Writes the decrypted file to the recipient's disk only once it is complete and authenticated
 * (the decryptor errors on any change, cut or extension, also at the very end). Where the
 * browser has the File System Access API, the bytes go into a writable that commits only on
 * close(): pipeTo closes it after the last byte and aborts it on any error, so no partial file
 * is left. Elsewhere the bytes are held in memory and handed to the browser's download as one
 * Blob after the stream ended without error.
 */

export type SaveOutcome =
  | { readonly kind: 'written' }
  /** Saved through a download link; the URL stays valid for saving again. */
  | { readonly kind: 'blob'; readonly url: string };

export interface SaveSink {
  /** Resolves when the whole file is saved; nothing is saved when it rejects. */
  write(plaintext: ReadableStream<Uint8Array>): Promise<SaveOutcome>;
  /** Drops whatever was received, after an error before or while writing. */
  discard(): Promise<void>;
}

export interface FileSaver {
  /**
   * Where the file will go: asks the user where the browser can (so call it directly from the
   * click, before anything else is awaited). null when the user cancelled.
   */
  prepare(fileName: string): Promise<SaveSink | null>;
}

/** The File System Access API's save dialog (Chromium), absent from TypeScript's DOM types. */
type SaveFilePicker = (options: {
  readonly suggestedName: string;
}) => Promise<FileSystemFileHandle>;

export function createFileSaver(window: Window, document: Document): FileSaver {
  let lastUrl: string | null = null;
  const blobSink = (fileName: string): SaveSink => {
    let parts: Uint8Array[] = [];
    return {
      write: async (plaintext) => {
        const reader = plaintext.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parts.push(value);
          }
        } catch (error) {
          parts = [];
          throw error;
        }
        // The decryptor's chunks are views of plain ArrayBuffers, which Blob takes.
        const blob = new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
        parts = [];
        if (lastUrl !== null) URL.revokeObjectURL(lastUrl);
        lastUrl = URL.createObjectURL(blob);
        clickDownload(document, lastUrl, fileName);
        return { kind: 'blob', url: lastUrl };
      },
      discard: () => {
        parts = [];
        return Promise.resolve();
      },
    };
  };

  return {
    prepare: async (fileName) => {
      const picker = (window as { showSaveFilePicker?: unknown }).showSaveFilePicker;
      if (typeof picker !== 'function') return blobSink(fileName);
      let writable: FileSystemWritableFileStream;
      try {
        const handle = await (picker as SaveFilePicker).call(window, { suggestedName: fileName });
        writable = await handle.createWritable();
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') return null;
        // The dialog is refused (no user activation left, a policy): save through a download.
        return blobSink(fileName);
      }
      return {
        write: async (plaintext) => {
          await plaintext.pipeTo(writable);
          return { kind: 'written' };
        },
        discard: async () => {
          // Aborting drops the browser's temporary file, so the chosen file gets none of the
          // bytes. After a failed pipeTo the writable is aborted already, and this is a no-op.
          await writable.abort().catch(() => undefined);
        },
      };
    },
  };
}

function clickDownload(document: Document, url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
