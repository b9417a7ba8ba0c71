/**
 * Test support for the file workflow: an in-memory FileStore with the S3 adapter's semantics
 * (objects appear whole on put or on a completed upload, keys listed in order, text read in
 * chunks), a record of every write, and switches to fail a write.
 */

import { FileReadError, type FileStore, type ObjectUpload } from '../../functions/files/store.js';

export interface MemoryFileStore extends FileStore {
  readonly objects: Map<string, string>;
  /** Every completed write, in order: `put <key>` or `upload <key>`. */
  readonly writes: string[];
  /** When set, a put to a key it accepts throws (a write fault). */
  failPut?: (key: string) => boolean;
}

export function memoryFileStore(bucket = 'files', chunkChars = 7): MemoryFileStore {
  const objects = new Map<string, string>();
  const writes: string[] = [];
  const store: MemoryFileStore = {
    bucket,
    objects,
    writes,
    async describe(key) {
      const text = objects.get(key);
      return text === undefined
        ? null
        : { key, bytes: Buffer.byteLength(text), versionId: null, etag: `"${text.length}"` };
    },
    async *readText(key) {
      const text = objects.get(key);
      if (text === undefined) throw new FileReadError('missing', `${key} is gone`);
      for (let at = 0; at < text.length; at += chunkChars) yield text.slice(at, at + chunkChars);
    },
    async getText(key) {
      const text = objects.get(key);
      if (text === undefined) throw new FileReadError('missing', `${key} is gone`);
      return text;
    },
    async put(key, body) {
      if (store.failPut?.(key)) throw new Error(`put ${key} failed`);
      objects.set(key, body);
      writes.push(`put ${key}`);
    },
    async *list(prefix) {
      for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
    },
    upload(key): ObjectUpload {
      let text = '';
      return {
        async write(chunk) {
          text += chunk;
        },
        async complete() {
          objects.set(key, text);
          writes.push(`upload ${key}`);
        },
        async abort() {
          text = '';
        },
      };
    },
  };
  return store;
}
