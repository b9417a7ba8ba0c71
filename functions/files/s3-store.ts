/**
 * The files bucket on S3: GetObject streamed and decoded as strict UTF-8, ListObjectsV2 paged,
 * large objects written through lib-storage's Upload (a multipart upload that appears only when
 * it completes). Works against any S3 endpoint (the local S3 with path-style addressing, too).
 */

import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { FileReadError, type FileStore, type ObjectUpload } from './store.js';

/** Parts of a multipart upload: at least S3's 5 MiB minimum, few enough for 10,000 parts. */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

interface S3FileStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Default UPLOAD_PART_BYTES (tests use the 5 MiB minimum). */
  readonly partBytes?: number;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchVersion' || status === 404;
}

const version = (versionId: string | null | undefined) =>
  versionId === null || versionId === undefined ? {} : { VersionId: versionId };

export function createS3FileStore(options: S3FileStoreOptions): FileStore {
  const { client, bucket } = options;
  const partBytes = options.partBytes ?? UPLOAD_PART_BYTES;

  async function body(key: string, versionId?: string | null) {
    try {
      const answer = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...version(versionId) }),
      );
      return answer.Body;
    } catch (error) {
      if (isNotFound(error)) throw new FileReadError('missing', `s3://${bucket}/${key} is gone`);
      throw error;
    }
  }

  return {
    bucket,

    async describe(key, versionId) {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ...version(versionId) }),
        );
        return {
          key,
          bytes: head.ContentLength ?? 0,
          versionId: head.VersionId ?? null,
          etag: head.ETag ?? null,
        };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async *readText(key, versionId) {
      const stream = (await body(key, versionId)) as AsyncIterable<Uint8Array> | undefined;
      if (stream === undefined) return;
      const decoder = new TextDecoder('utf-8', { fatal: true });
      let bytes = 0;
      try {
        for await (const chunk of stream) {
          bytes += chunk.byteLength;
          const text = decoder.decode(chunk, { stream: true });
          if (text !== '') yield text;
        }
        const rest = decoder.decode();
        if (rest !== '') yield rest;
      } catch (error) {
        // TextDecoder's fatal mode throws a TypeError (ERR_ENCODING_INVALID_ENCODED_DATA).
        if ((error as { code?: unknown })?.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
          throw new FileReadError(
            'not-text',
            `s3://${bucket}/${key} is not UTF-8 text (near byte ${bytes})`,
          );
        }
        throw error;
      }
    },

    async getText(key) {
      const stream = await body(key);
      return stream === undefined ? '' : await stream.transformToString('utf-8');
    },

    async put(key, text, putOptions = {}) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          // Bytes, not a string: the SDK sends no length for an empty string, and S3 wants one.
          Body: Buffer.from(text, 'utf8'),
          ContentType: putOptions.contentType,
          Metadata: putOptions.metadata,
        }),
      );
    },

    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const entry of page.Contents ?? []) if (entry.Key) yield entry.Key;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },

    upload(key, uploadOptions = {}): ObjectUpload {
      const body = new PassThrough();
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: uploadOptions.contentType,
          Metadata: uploadOptions.metadata,
        },
        partSize: partBytes,
        // One part in memory at a time: `write` waits while that part is being sent.
        queueSize: 1,
        // abort() aborts the multipart upload (Upload won't once CompleteMultipartUpload fails).
        leavePartsOnError: true,
      });
      // Upload reads the body only once done() is called; its failure rejects write or complete.
      const done = upload.done();
      done.catch(() => {});

      return {
        async write(text) {
          if (!body.write(text)) await Promise.race([once(body, 'drain'), done]);
        },
        async complete() {
          body.end();
          await done;
        },
        async abort() {
          // Not upload.abort(): done() would reject at once, before an upload being created has
          // an id to abort. A failed read ends the upload; done() settles when its requests have.
          body.destroy(new Error('Upload aborted'));
          await done.catch(() => {});
          if (upload.uploadId === undefined) return;
          try {
            await client.send(
              new AbortMultipartUploadCommand({
                Bucket: bucket,
                Key: key,
                UploadId: upload.uploadId,
              }),
            );
          } catch {
            // The bucket's lifecycle rule removes incomplete uploads after a day anyway.
          }
        },
      };
    },
  };
}
