/**
 * The local S3 of the file workflow: fauxqs (npm; the real S3 protocol, in memory), the same
 * server that plays SQS for the local pipeline when `npm start` runs both, or one of its own on
 * a loopback port. The real S3Client reaches it with path-style addressing and dummy
 * credentials. fauxqs keeps no object versions and sends no EventBridge events; the local
 * runner (local/file-runner.ts) stands in for the rule by watching the input prefix.
 */

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

/** The files bucket of the local run, the tests and the benchmark. */
export const LOCAL_FILES_BUCKET = 'respondio-contacts-files';

/** A client for a local S3 endpoint: path-style, dummy credentials. */
export function localS3Client(endpoint: string, region = 'us-east-1'): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates the bucket (CreateBucket is idempotent on fauxqs). */
export async function createLocalBucket(client: S3Client, bucket = LOCAL_FILES_BUCKET) {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface LocalS3 {
  /** e.g. http://127.0.0.1:4566 */
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

/** A fauxqs server of its own on 127.0.0.1, with the files bucket. */
export async function startLocalS3(
  options: { readonly port?: number; readonly bucket?: string } = {},
): Promise<LocalS3> {
  const app = buildApp({ logger: false, defaultRegion: 'us-east-1' });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = options.bucket ?? LOCAL_FILES_BUCKET;
  const client = localS3Client(endpoint);
  try {
    await createLocalBucket(client, bucket);
  } catch (error) {
    await app.close();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, bucket, close: () => app.close() };
}
