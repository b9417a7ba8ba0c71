/**
 * The local stand-in for the stack's EventBridge rule (Object Created under the input prefix →
 * StartExecution): fauxqs sends no events, so this polls the input prefix (ListObjectsV2) and
 * reports each new object once: a key not seen before, or a key uploaded again (its ETag or
 * LastModified changed). Objects already there when it starts are not new, as a rule created
 * after an upload does not see that upload.
 */

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { RunRequest } from '../functions/files/steps.js';

export interface InputWatcherOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  /** Between two listings. */
  readonly pollMs: number;
  readonly onObject: (request: RunRequest) => void;
  /** A listing failed (it is tried again at the next poll). */
  readonly onError?: (error: unknown) => void;
}

export interface InputWatcher {
  stop(): Promise<void>;
}

/** Every object under the prefix: key → what identifies this upload of it. */
async function listing(options: InputWatcherOptions): Promise<Map<string, string>> {
  const uploads = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await options.client.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        Prefix: options.prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      uploads.set(object.Key, `${object.ETag ?? ''} ${object.LastModified?.getTime() ?? ''}`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return uploads;
}

export async function watchInput(options: InputWatcherOptions): Promise<InputWatcher> {
  const seen = await listing(options);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();

  const poll = async () => {
    try {
      const now = await listing(options);
      for (const [key, upload] of now) {
        if (stopped || seen.get(key) === upload) continue;
        seen.set(key, upload);
        options.onObject({ bucket: options.bucket, key, versionId: null });
      }
    } catch (error) {
      if (!stopped) options.onError?.(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      polling = poll().then(schedule);
    }, options.pollMs);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await polling;
    },
  };
}
