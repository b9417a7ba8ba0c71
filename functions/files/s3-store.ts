/**
 * The files bucket on S3 (@aws-sdk/client-s3), as the FileStore port: HeadObject to describe an
 * upload (a given version), GetObject streamed and decoded as strict UTF-8, small objects read
 * and written whole, ListObjectsV2 paged, and large objects written as a multipart upload that
 * appears only when it completes (one PutObject when it stays small). Works against any S3
 * endpoint (the local S3 with path-style addressing, too).
 */

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { FileReadError, type FileStore, type ObjectUpload } from './store.js';

/** Parts of a multipart upload: at least S3's 5 MiB minimum, few enough for 10,000 parts. */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

export interface S3FileStoreOptions {
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
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let uploadId: string | undefined;
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];

      async function sendPart(): Promise<void> {
        if (uploadId === undefined) {
          const created = await client.send(
            new CreateMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              ContentType: uploadOptions.contentType,
              Metadata: uploadOptions.metadata,
            }),
          );
          uploadId = created.UploadId;
        }
        const partNumber = parts.length + 1;
        const answer = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: Buffer.concat(pending),
          }),
        );
        parts.push({ ETag: answer.ETag, PartNumber: partNumber });
        pending = [];
        pendingBytes = 0;
      }

      return {
        async write(text) {
          const chunk = Buffer.from(text, 'utf8');
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= partBytes) await sendPart();
        },
        async complete() {
          if (uploadId === undefined) {
            // Small: one request writes it whole.
            await client.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: Buffer.concat(pending),
                ContentType: uploadOptions.contentType,
                Metadata: uploadOptions.metadata,
              }),
            );
            return;
          }
          if (pendingBytes > 0) await sendPart();
          await client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
            }),
          );
        },
        async abort() {
          pending = [];
          if (uploadId === undefined) return;
          try {
            await client.send(
              new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
            );
          } catch {
            // The bucket's lifecycle rule removes incomplete uploads after a day anyway.
          }
        },
      };
    },
  };
}
