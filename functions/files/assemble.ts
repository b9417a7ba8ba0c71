/**
 * The file workflow's last step: the run's parts become its results file, one line per input
 * row, in input order. The results stream into one upload that appears whole when complete, so
 * the object under the output prefix is always one run's; a part missing or doubled aborts the
 * upload and fails the run with ResultsIncomplete instead. The summary is written last.
 */

import type { Logger } from '../platform/index.js';
import type { ErrorBehavior } from '../settings/index.js';
import {
  assembleParts,
  assemblyProblemText,
  type PartLine,
  type PartRef,
  readPartText,
} from './parts.js';
import { resultsHeader } from './rows.js';
import type { Assembled, AssembleEvent } from './steps.js';
import type { FileStore } from './store.js';
import { finishedSummary } from './summary.js';
import { FILE_ERRORS, firstIndexOfPart } from './workflow.js';

/** Parts read ahead of the one being merged. */
const READ_AHEAD = 8;
/** Results text gathered before it is handed to the upload. */
const WRITE_CHUNK_CHARS = 256 * 1024;

export class ResultsIncompleteError extends Error {
  override readonly name = FILE_ERRORS.incomplete;
}

interface AssembleDeps {
  readonly store: FileStore;
  readonly errorBehavior: ErrorBehavior;
  readonly logger?: Logger;
  readonly now?: () => number;
}

type AssembleHandler = (event: AssembleEvent) => Promise<Assembled>;

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' } as const;

export function createAssembleHandler(deps: AssembleDeps): AssembleHandler {
  const { store, logger } = deps;
  const now = deps.now ?? Date.now;

  return async (event) => {
    const prepared = event?.prepared;
    if (prepared?.accepted !== true) throw new Error('The assemble event has no accepted file');
    const { runId, format, rows, columns, results, summary, partsPrefix } = prepared;

    const parts: PartRef[] = [];
    for await (const key of store.list(partsPrefix)) {
      const first = firstIndexOfPart(partsPrefix, key);
      if (first !== null) parts.push({ key, first });
    }
    parts.sort((a, b) => a.first - b.first);
    const reads = new Map<number, Promise<PartLine[]>>();
    const read = (position: number) => {
      const part = parts[position];
      if (part === undefined || reads.has(position)) return;
      const lines = store.getText(part.key).then((text) => readPartText(text, part.key));
      // A read ahead that fails is reported when its turn comes (or not at all, after an abort).
      lines.catch(() => {});
      reads.set(position, lines);
    };

    const upload = store.upload(results, {
      contentType: CONTENT_TYPES[format],
      metadata: { 'run-id': runId },
    });
    let buffer = '';
    const write = async (line: string) => {
      buffer += `${line}\n`;
      if (buffer.length >= WRITE_CHUNK_CHARS) {
        const text = buffer;
        buffer = '';
        await upload.write(text);
      }
    };
    let assembly: Awaited<ReturnType<typeof assembleParts>>;
    try {
      const header = resultsHeader(format, columns);
      if (header !== null) await write(header);
      assembly = await assembleParts(parts, rows, {
        async load(_part, position) {
          for (let ahead = position; ahead <= position + READ_AHEAD; ahead += 1) read(ahead);
          const lines = await (reads.get(position) as Promise<PartLine[]>);
          reads.delete(position);
          return lines;
        },
        write,
      });
      if (assembly.ok) {
        if (buffer !== '') await upload.write(buffer);
        await upload.complete();
      }
    } catch (error) {
      await upload.abort();
      throw error;
    }
    if (!assembly.ok) {
      await upload.abort();
      const cause = assemblyProblemText(assembly.problem, rows);
      logger?.error('Results incomplete', { runId, rows, parts: parts.length, cause });
      throw new ResultsIncompleteError(`${cause}; no results file was written`);
    }

    const { counts } = assembly;
    const written = finishedSummary({
      runId,
      input: prepared.input,
      results,
      counts,
      errorBehavior: deps.errorBehavior,
      budgetRate: assembly.budgetRate,
      startedAtMs: Date.parse(prepared.startedAt),
      finishedAtMs: now(),
    });
    await store.put(summary, `${JSON.stringify(written, null, 2)}\n`, {
      contentType: 'application/json',
    });
    logger?.info('Results written', {
      runId,
      results,
      parts: assembly.parts,
      ...counts,
      status: written.status,
    });
    return {
      ...counts,
      results,
      summary,
      failed: written.status === 'rows-failed',
      ...(written.error === undefined ? {} : { error: written.error }),
      ...(written.cause === undefined ? {} : { cause: written.cause }),
    };
  };
}
