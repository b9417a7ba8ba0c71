/**
 * The files bucket adapter (adapters/s3-file-store.ts) over the real S3 protocol (fauxqs):
 * describe, streamed strict UTF-8 reads, whole writes, paged listing, and uploads that appear
 * only when complete (multipart once large).
 */

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
});
