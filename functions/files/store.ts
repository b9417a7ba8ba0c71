/** The files bucket as the file workflow's steps see it (a port; s3-store.ts on S3). */

/** An object as HeadObject describes it. */
export interface StoredObject {
  readonly key: string;
  readonly bytes: number;
  /** The version (null when the bucket keeps none, e.g. the local S3). */
  readonly versionId: string | null;
  readonly etag: string | null;
}

/** Writes one object in pieces; it appears whole when `complete` resolves, never before. */
export interface ObjectUpload {
  write(text: string): Promise<void>;
  complete(): Promise<void>;
  /** Drops what was written; the object is not created. Never throws. */
  abort(): Promise<void>;
}

/** Why a text object could not be read: gone, or not UTF-8 text. */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    readonly reason: 'missing' | 'not-text',
    message: string,
  ) {
    super(message);
  }
}

type WriteOptions = { readonly contentType?: string; readonly metadata?: Record<string, string> };

export interface FileStore {
  readonly bucket: string;
  /** The object (the version, when given), or null when there is none. */
  describe(key: string, versionId?: string | null): Promise<StoredObject | null>;
  /** The object's text in chunks, decoded as UTF-8. Throws FileReadError. */
  readText(key: string, versionId?: string | null): AsyncIterable<string>;
  /** A small object's whole text. Throws FileReadError. */
  getText(key: string): Promise<string>;
  /** Writes an object whole, in one request. */
  put(key: string, body: string, options?: WriteOptions): Promise<void>;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** Starts writing an object in pieces (a multipart upload for a large one). */
  upload(key: string, options?: WriteOptions): ObjectUpload;
}
