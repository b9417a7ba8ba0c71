/**
 * The files bucket adapter (functions/files/s3-store.ts) over the real S3 protocol (fauxqs):
 * describe, streamed strict UTF-8 reads, whole writes, paged listing, and uploads that appear
 * only when complete (multipart once large), keep their content type and metadata, hold one
 * part in memory, leave no multipart upload behind when aborted, and report a failure.
 */

import {
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createS3FileStore } from '../../functions/files/s3-store.js';
import { FileReadError, type FileStore } from '../../functions/files/store.js';
import { type LocalS3, localS3Client, startLocalS3 } from '../../local/local-s3.js';

let s3: LocalS3;
let client: S3Client;
let store: FileStore;

beforeAll(async () => {
  s3 = await startLocalS3();
  client = localS3Client(s3.endpoint);
  store = createS3FileStore({ client, bucket: s3.bucket, partBytes: 5 * 1024 * 1024 });
});
afterAll(async () => {
  client.destroy();
  await s3.close();
});

const PART_BYTES = 5 * 1024 * 1024;
const LINE = `${'x'.repeat(1023)}\n`;

/**
 * A store on a client of its own that records each request (its command, input, and whether it
 * was answered) and fails the `refused` command without sending it.
 */
function recordingStore(bucket = s3.bucket, refused?: string) {
  const own = localS3Client(s3.endpoint);
  const sent: { command: string; input: Record<string, unknown>; answered?: boolean }[] = [];
  own.middlewareStack.add(
    (next, context) => async (args) => {
      const request = {
        command: context.commandName ?? '',
        input: args.input as Record<string, unknown>,
      };
      sent.push(request);
      if (request.command === refused) throw new Error(`${refused} refused by the test`);
      try {
        return await next(args);
      } finally {
        Object.assign(request, { answered: true });
      }
    },
    { step: 'initialize' },
  );
  const answered = (command: string) =>
    sent.filter((request) => request.command === command && request.answered).length;
  return {
    store: createS3FileStore({ client: own, bucket, partBytes: PART_BYTES }),
    client: own,
    commands: () => sent.map((request) => request.command),
    inputOf: (command: string) => sent.find((request) => request.command === command)?.input,
    answered,
    /** Waits until `command` has been sent (and answered, when asked). */
    async until(command: string, answeredToo = false) {
      const seen = () =>
        answeredToo ? answered(command) > 0 : sent.some((request) => request.command === command);
      while (!seen()) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}

async function textOf(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('the S3 file store', () => {
  it('describes an object, and answers null for none', async () => {
    // Prepare
    await store.put('input/a.csv', 'Identifier\nid:1\n', { contentType: 'text/csv' });
    // Act
    const object = await store.describe('input/a.csv');
    const missing = await store.describe('input/none.csv');
    // Assess
    expect(object).toMatchObject({ key: 'input/a.csv', bytes: 16, versionId: null });
    expect(object?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(missing).toBeNull();
  });

  it('streams an object’s text, multi-byte characters included', async () => {
    // Prepare
    const text = `Identifier,Name\n${Array.from({ length: 20_000 }, (_, i) => `id:${i},Zoë ${i} 中文`).join('\n')}\n`;
    await store.put('input/big.csv', text);
    // Act
    const read = await textOf(store.readText('input/big.csv'));
    // Assess
    expect(read).toBe(text);
  });

  it('refuses bytes that are not UTF-8, and a missing object, with a FileReadError', async () => {
    // Prepare
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'input/latin1.csv',
        Body: Buffer.from([0x49, 0x64, 0x0a, 0xe9, 0x0a]),
      }),
    );
    // Act
    const notText = textOf(store.readText('input/latin1.csv'));
    const missing = textOf(store.readText('input/gone.csv'));
    // Assess
    await expect(notText).rejects.toMatchObject({ name: 'FileReadError', reason: 'not-text' });
    await expect(missing).rejects.toBeInstanceOf(FileReadError);
    await expect(store.getText('input/gone.csv')).rejects.toMatchObject({ reason: 'missing' });
  });

  it('lists every key under a prefix, past one page', async () => {
    // Prepare
    const keys = Array.from(
      { length: 1005 },
      (_, i) => `runs/r1/parts/${String(i).padStart(10, '0')}.jsonl`,
    );
    for (let at = 0; at < keys.length; at += 50) {
      await Promise.all(keys.slice(at, at + 50).map((key) => store.put(key, '')));
    }
    await store.put('runs/r2/parts/0000000000.jsonl', '');
    // Act
    const listed: string[] = [];
    for await (const key of store.list('runs/r1/parts/')) listed.push(key);
    // Assess
    expect(listed).toEqual(keys);
  });

  it('writes a small upload with one request, whole, with its metadata', async () => {
    // Prepare
    const upload = store.upload('output/small.jsonl', { metadata: { 'run-id': 'r1' } });
    await upload.write('{"a":1}\n');
    // Act
    const before = await store.describe('output/small.jsonl');
    await upload.complete();
    // Assess
    expect(before).toBeNull();
    expect(await store.getText('output/small.jsonl')).toBe('{"a":1}\n');
  });

  it('writes a large upload in parts, visible only once complete; an aborted one never appears', async () => {
    // Prepare
    const line = `${'x'.repeat(1023)}\n`;
    const upload = store.upload('output/large.csv');
    for (let i = 0; i < 12 * 1024; i += 1) await upload.write(line);
    const aborted = store.upload('output/aborted.csv');
    for (let i = 0; i < 6 * 1024; i += 1) await aborted.write(line);
    // Act
    const before = await store.describe('output/large.csv');
    await upload.complete();
    await aborted.abort();
    // Assess
    expect(before).toBeNull();
    expect((await store.describe('output/large.csv'))?.bytes).toBe(12 * 1024 * 1024);
    expect(await store.describe('output/aborted.csv')).toBeNull();
  });

  it('keeps the content type and metadata, small or in parts', async () => {
    // Prepare
    const options = { contentType: 'text/csv', metadata: { 'run-id': 'r2' } };
    const small = store.upload('output/typed-small.csv', options);
    await small.write('Identifier\n');
    const large = store.upload('output/typed-large.csv', options);
    for (let i = 0; i < 6 * 1024; i += 1) await large.write(LINE);
    // Act
    await small.complete();
    await large.complete();
    // Assess
    for (const key of ['output/typed-small.csv', 'output/typed-large.csv']) {
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(head).toMatchObject({ ContentType: 'text/csv', Metadata: { 'run-id': 'r2' } });
    }
  });

  it('holds about one part in memory: a write waits while a part is being sent', async () => {
    // Prepare
    const recording = recordingStore();
    const upload = recording.store.upload('output/bounded.csv');
    let written = 0;
    let mostHeld = 0;
    // Act
    for (let i = 0; i < 16 * 1024; i += 1) {
      await upload.write(LINE);
      written += LINE.length;
      mostHeld = Math.max(mostHeld, written - recording.answered('UploadPartCommand') * PART_BYTES);
    }
    await upload.complete();
    recording.client.destroy();
    // Assess
    expect(recording.answered('UploadPartCommand')).toBe(4);
    expect(mostHeld).toBeGreaterThan(PART_BYTES);
    expect(mostHeld).toBeLessThan(PART_BYTES + 256 * 1024);
  });

  it.each([
    ['while its first part is being sent', 'UploadPartCommand'],
    ['while its multipart upload is being created', 'CreateMultipartUploadCommand'],
  ])('leaves no multipart upload behind when aborted %s', async (_when, inFlight) => {
    // Prepare
    const recording = recordingStore();
    const upload = recording.store.upload('output/aborted-large.csv');
    for (let i = 0; i <= 5 * 1024; i += 1) await upload.write(LINE);
    await recording.until(inFlight);
    // Act
    await upload.abort();
    // Assess
    const commands = recording.commands();
    expect(commands.at(-1)).toBe('AbortMultipartUploadCommand');
    expect(commands.filter((command) => command === 'AbortMultipartUploadCommand')).toHaveLength(1);
    expect(commands).not.toContain('CompleteMultipartUploadCommand');
    const { UploadId } = recording.inputOf('AbortMultipartUploadCommand') as { UploadId: string };
    const partAfter = recording.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: 'output/aborted-large.csv',
        UploadId,
        PartNumber: 3,
        Body: Buffer.from('x'),
      }),
    );
    await expect(partAfter).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await store.describe('output/aborted-large.csv')).toBeNull();
    recording.client.destroy();
  });

  it('aborts the multipart upload when completing it failed', async () => {
    // Prepare
    const recording = recordingStore(s3.bucket, 'CompleteMultipartUploadCommand');
    const upload = recording.store.upload('output/not-completed.csv');
    for (let i = 0; i < 6 * 1024; i += 1) await upload.write(LINE);
    await expect(upload.complete()).rejects.toThrow('refused by the test');
    // Act
    await upload.abort();
    // Assess
    expect(recording.commands().at(-1)).toBe('AbortMultipartUploadCommand');
    const { UploadId } = recording.inputOf('AbortMultipartUploadCommand') as { UploadId: string };
    const partAfter = recording.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: 'output/not-completed.csv',
        UploadId,
        PartNumber: 3,
        Body: Buffer.from('x'),
      }),
    );
    await expect(partAfter).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await store.describe('output/not-completed.csv')).toBeNull();
    recording.client.destroy();
  });

  it('sends nothing for an aborted small upload', async () => {
    // Prepare
    const recording = recordingStore();
    const upload = recording.store.upload('output/aborted-small.csv');
    await upload.write('{"a":1}\n');
    // Act
    await upload.abort();
    // Assess
    expect(recording.commands()).toEqual([]);
    expect(await store.describe('output/aborted-small.csv')).toBeNull();
    recording.client.destroy();
  });

  it('rejects a write or complete when S3 refuses the upload, and still aborts', async () => {
    // Prepare
    const recording = recordingStore('no-such-bucket');
    const small = recording.store.upload('output/refused-small.csv');
    await small.write('{"a":1}\n');
    const large = recording.store.upload('output/refused-large.csv');
    for (let i = 0; i <= 5 * 1024; i += 1) await large.write(LINE);
    // Act: the refusal comes while no write waits.
    await recording.until('CreateMultipartUploadCommand', true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const completing = small.complete().catch((error: unknown) => error);
    const writing = large.write(LINE).catch((error: unknown) => error);
    // Assess
    expect(await completing).toMatchObject({ name: 'NoSuchBucket' });
    expect(await writing).toMatchObject({ name: 'NoSuchBucket' });
    await expect(large.complete()).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(large.abort()).resolves.toBeUndefined();
    await expect(small.abort()).resolves.toBeUndefined();
    recording.client.destroy();
  });
});
