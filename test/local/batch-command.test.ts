import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NoPipelineError, runBatch } from '../../local/batch.js';
import type { QueuePipeline } from '../../local/queue-pipeline.js';
import { parseCsvRows } from '../../local/rows-io.js';
import { type Simulator, startSimulator } from '../../local/simulator/server.js';
import { SAMPLE_ROW_OUTCOMES, startDemoPipeline } from '../support/demo-pipeline.js';

const SAMPLE = new URL('../../local/sample-rows.csv', import.meta.url);

let sim: Simulator;
let pipeline: QueuePipeline;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ rateLimitRps: 50 });
  pipeline = await startDemoPipeline(sim);
  dir = await mkdtemp(join(tmpdir(), 'sqs-batch-'));
});

afterAll(async () => {
  await pipeline.stop();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run batch', () => {
  it('sends the sample rows through the pipeline and writes found and not-found rows as CSV', async () => {
    // Prepare
    const lines: string[] = [];
    const out = join(dir, 'results.csv');
    // Act
    const summary = await runBatch({
      file: SAMPLE.pathname,
      out,
      sqsEndpoint: pipeline.sqsEndpoint,
      progress: 'lines',
      print: (line) => lines.push(line),
    });
    // Assess
    expect(summary).toMatchObject({
      rows: 8,
      found: 5,
      notFound: 2,
      otherErrors: 1,
      deadLettered: 3,
      missing: 0,
    });
    const written = parseCsvRows(await readFile(out, 'utf8'));
    expect(written.map((row) => [row.Identifier, row.CustomerRef, row.StatusCode])).toEqual(
      SAMPLE_ROW_OUTCOMES,
    );
    expect(written[0]?.FirstName).toBe('Jane');
    expect(written[5]?.DeadLettered).toBe('true');
    expect(lines).toContain('progress: 8/8 rows (100%)');
    expect(lines.some((line) => /^found\s+5$/.test(line))).toBe(true);
    // The rate the budget allowed: the configured 50, which respond.io's headers confirm.
    expect(summary.budgetRate).toEqual({ lowest: 50, highest: 50 });
    expect(lines).toContain(
      "budget rate   50 requests/s (what the budget allowed while this run's rows were done)",
    );
  });

  it('writes JSON Lines from JSON Lines input, carrying the extra fields in Input', async () => {
    // Prepare
    const file = join(dir, 'rows.jsonl');
    await writeFile(file, '{"Identifier":"id:4","ref":1}\n\n{"Identifier":"id:123456","ref":2}\n');
    // Act
    const summary = await runBatch({
      file,
      sqsEndpoint: pipeline.sqsEndpoint,
      progress: 'none',
      print: () => {},
    });
    // Assess
    expect(summary).toMatchObject({ found: 1, notFound: 1, out: join(dir, 'rows.results.jsonl') });
    const records = (await readFile(summary.out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.Identifier, r.StatusCode, r.Input])).toEqual([
      ['id:4', 200, { ref: 1 }],
      ['id:123456', 404, { ref: 2 }],
    ]);
  });

  it('counts the rows answered from the cache or by a shared request, from the messages', async () => {
    // Prepare: a pipeline whose function keeps a contact cache; six rows of one contact.
    const cached = await startDemoPipeline(sim, { CONTACT_CACHE_TTL_SECONDS: '300' });
    const file = join(dir, 'repeats.jsonl');
    await writeFile(
      file,
      `${['id:1', 'ID:1', ' id : 1 ']
        .flatMap((id) => [id, id])
        .map((id) => JSON.stringify({ Identifier: id }))
        .join('\n')}\n`,
    );
    const lines: string[] = [];
    sim.resetStats();
    try {
      // Act
      const summary = await runBatch({
        file,
        sqsEndpoint: cached.sqsEndpoint,
        progress: 'none',
        print: (line) => lines.push(line),
      });
      // Assess
      expect(summary).toMatchObject({ rows: 6, found: 6, missing: 0, withLookupSource: 6 });
      expect(summary.cacheHits + summary.coalesced).toBe(5);
      expect(sim.stats().requests).toBe(1);
      expect(lines).toContain(`cache hits    ${summary.cacheHits}`);
      expect(lines).toContain(
        `shared        ${summary.coalesced} (answered by another row's request)`,
      );
    } finally {
      await cached.stop();
    }
  });

  it('says clearly when no pipeline is running', async () => {
    // Prepare: a port nobody listens on.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    // Act
    const run = runBatch({
      file: SAMPLE.pathname,
      out: join(dir, 'never.jsonl'),
      sqsEndpoint: `http://127.0.0.1:${port}`,
      print: () => {},
    });
    // Assess
    await expect(run).rejects.toThrow(NoPipelineError);
    await expect(run).rejects.toThrow(/npm start/);
  });
});
