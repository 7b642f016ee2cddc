/*
 * Makes the thumbnail of an image on the sending device, in browsers (createImageBitmap and
 * OffscreenCanvas). The image is decoded by the browser's own decoders and drawn again, so the
 * thumbnail carries pixels only: no metadata (location, camera) of the original. Kept free of
 * imports so it can run in any page.
 */

export interface ImageThumbnail {
  readonly bytes: Uint8Array;
  readonly mediaType: 'image/webp' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

export interface ImageThumbnailOptions {
  /** Longest edge in pixels (default 320). */
  readonly maxEdge?: number;
  /** Largest encoding (default 64 KiB); lower qualities are tried before giving up. */
  readonly maxBytes?: number;
}

const QUALITIES = [0.8, 0.6, 0.4];

/* The browser APIs used, typed here so that the code compiles without the DOM library. */
interface Bitmap {
  readonly width: number;
  readonly height: number;
  close(): void;
}
interface Canvas {
  getContext(kind: '2d'): {
    drawImage(image: Bitmap, x: number, y: number, width: number, height: number): void;
  } | null;
  convertToBlob(options: { type: string; quality: number }): Promise<Blob>;
}
interface ImagingGlobals {
  readonly createImageBitmap?: (image: Blob) => Promise<Bitmap>;
  readonly OffscreenCanvas?: new (width: number, height: number) => Canvas;
}

/**
 * The thumbnail, or null when there is none to make: not an image, an image the browser cannot
 * decode (or will not: SVG), or a platform without OffscreenCanvas.
 */
export async function createImageThumbnail(
  image: Blob,
  options: ImageThumbnailOptions = {},
): Promise<ImageThumbnail | null> {
  const maxEdge = options.maxEdge ?? 320;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  if (!image.type.startsWith('image/') || image.type.startsWith('image/svg')) return null;
  // Called on globalThis: browsers refuse these functions detached from it.
  const imaging = globalThis as ImagingGlobals;
  const { OffscreenCanvas } = imaging;
  if (imaging.createImageBitmap === undefined || OffscreenCanvas === undefined) return null;
  let bitmap: Bitmap;
  try {
    bitmap = await imaging.createImageBitmap(image);
  } catch {
    return null;
  }
  try {
    const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (context === null) return null;
    context.drawImage(bitmap, 0, 0, width, height);
    for (const quality of QUALITIES) {
      // Browsers without a WebP encoder answer with PNG; JPEG is then the fallback.
      let blob = await canvas.convertToBlob({ type: 'image/webp', quality });
      if (blob.type !== 'image/webp') {
        blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      }
      if (blob.size <= maxBytes && (blob.type === 'image/webp' || blob.type === 'image/jpeg')) {
        return {
          bytes: new Uint8Array(await blob.arrayBuffer()),
          mediaType: blob.type,
          width,
          height,
        };
      }
    }
    return null;
  } finally {
    bitmap.close();
  }
}
