/**
 * The file workflow's first step: can a run take the uploaded object? It must be in the files
 * bucket under the input prefix, named .csv, .jsonl or .ndjson, within FILE_MAX_BYTES, and pass
 * the file check (check.ts); a refusal says why, in words. The object's version is fixed here, so
 * the map reads exactly the checked file even if the same key is uploaded again meanwhile.
 */

import type { Logger } from '../platform/index.js';
import type { Config } from '../settings/index.js';
import { createFileInspector, type FileCheck } from './check.js';
import type { Prepared, PrepareEvent } from './steps.js';
import { FileReadError, type FileStore, type StoredObject } from './store.js';
import type { RunInput } from './summary.js';
import {
  FILE_ERRORS,
  FILE_PREFIXES,
  fileFormatOf,
  isRunId,
  outputKeysFor,
  partsPrefixFor,
} from './workflow.js';

interface PrepareDeps {
  readonly store: FileStore;
  readonly limits: Pick<Config, 'fileMaxBytes' | 'fileMaxRows'>;
  readonly logger?: Logger;
}

export type PrepareHandler = (event: PrepareEvent) => Promise<Prepared>;

/**
 * S3 event notifications encode a key (`a b.csv` → `a+b.csv`); EventBridge's are documented
 * plain. The object is looked up as given, then decoded, so either works.
 */
function decodedKey(key: string): string | null {
  try {
    const decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    return decoded === key ? null : decoded;
  } catch {
    return null;
  }
}

export function createPrepareHandler(deps: PrepareDeps): PrepareHandler {
  const { store, limits, logger } = deps;

  return async (event) => {
    if (!isRunId(event?.runId) || typeof event.key !== 'string' || event.key === '') {
      throw new Error('The prepare event has no run id or no key');
    }
    const { runId, startedAt } = event;
    const requested: RunInput = {
      bucket: String(event.bucket),
      key: event.key,
      versionId: event.versionId ?? null,
      etag: null,
      bytes: null,
    };
    const reject = (input: RunInput, cause: string): Prepared => {
      logger?.warn('File refused', { runId, key: input.key, cause });
      return {
        accepted: false,
        runId,
        startedAt,
        input,
        summary: outputKeysFor(input.key).summary,
        error: FILE_ERRORS.rejected,
        cause,
      };
    };

    if (event.bucket !== store.bucket) {
      return reject(requested, `the file is in bucket ${requested.bucket}, not in ${store.bucket}`);
    }
    let object: StoredObject | null = await store.describe(event.key, requested.versionId);
    let key = event.key;
    const decoded = object === null ? decodedKey(event.key) : null;
    if (decoded !== null) {
      object = await store.describe(decoded, requested.versionId);
      if (object !== null) key = decoded;
    }
    if (object === null) {
      return reject(requested, 'the file is gone (deleted, or that version replaced)');
    }
    const input: RunInput = {
      bucket: store.bucket,
      key,
      versionId: object.versionId,
      etag: object.etag,
      bytes: object.bytes,
    };
    if (!key.startsWith(FILE_PREFIXES.input)) {
      return reject(input, `the file must be under ${FILE_PREFIXES.input}`);
    }
    const format = fileFormatOf(key);
    if (format === null) {
      return reject(input, 'the file must be named .csv, .jsonl or .ndjson');
    }
    if (object.bytes > limits.fileMaxBytes) {
      return reject(
        input,
        `the file is ${object.bytes} bytes, more than the ${limits.fileMaxBytes} a run takes (fileMaxBytes)`,
      );
    }

    const inspector = createFileInspector(format, { maxRows: limits.fileMaxRows });
    let check: FileCheck | null = null;
    try {
      for await (const text of store.readText(key, object.versionId)) {
        check = inspector.push(text);
        if (check !== null) break;
      }
    } catch (error) {
      if (!(error instanceof FileReadError)) throw error;
      return reject(
        input,
        error.reason === 'not-text'
          ? 'the file is not UTF-8 text (save it as CSV UTF-8 or JSON Lines)'
          : 'the file is gone (deleted, or that version replaced)',
      );
    }
    check ??= inspector.end();
    if (!check.ok) return reject(input, check.reason);

    const outputs = outputKeysFor(key);
    logger?.info('File accepted', { runId, key, bytes: object.bytes, rows: check.rows, format });
    return {
      accepted: true,
      runId,
      startedAt,
      input,
      format,
      rows: check.rows,
      columns: check.columns,
      results: outputs.results,
      summary: outputs.summary,
      partsPrefix: partsPrefixFor(runId),
    };
  };
}
