/**
 * Section "API mode": the connector's own latency. The real API function (createApiHandler with
 * the real respond.io directory from createLookups) answers `GET /contacts/{identifier}`
 * events one at a time, as one Lambda container does, against the simulator running in a child
 * process with a fixed latency. Interleaved with every handler call, a bare ky GET of the same
 * contact from the same server gives the floor: what any HTTP client pays for the round trip.
 * A third variant runs the same handler with the shared budget (RATE_BUDGET_TABLE on a local
 * DynamoDB, dynalite, in a child process): each lookup first claims its slot, so the claim's
 * round trip is part of what a caller waits for.
 *
 * Settings: BENCH_API_CALLS (calls per variant, default 1000), BENCH_API_LATENCY_MS (the
 * simulator's latency, default 10: the overhead does not depend on it, and sequential calls at
 * 100 ms would take minutes).
 */

import ky from 'ky';
import { createApiHandler } from '../../functions/api/app.js';
import { createLookups } from '../../functions/lookup/index.js';
import { createLogger } from '../../functions/platform/logger.js';
import { loadConfig, loadLogSettings } from '../../functions/settings/config.js';
import { createLambdaContext, toApiGatewayEvent } from '../../local/api-gateway-server.js';
import { LOCAL_BUDGET_TABLE, localDynamoDbClient } from '../../local/dynamodb-stand-in.js';
import { DEMO_TOKEN } from '../../local/simulator/server.js';
import type { BenchSection } from '../table.js';
import { fixed, percentile, times } from '../table.js';
import {
  demoTokens,
  numberSetting,
  startDynamoDbProcess,
  startSimulatorProcess,
} from './harness.js';

const WARM_UP_CALLS = 50;

interface Timings {
  readonly ms: number[];
  failures: number;
}

export const apiLatency: BenchSection = {
  title: 'API mode: handler latency minus simulator latency',
  async run() {
    const calls = Math.round(numberSetting('BENCH_API_CALLS', 1000));
    const latencyMs = numberSetting('BENCH_API_LATENCY_MS', 10);
    const contacts = Math.max(calls, 50);
    const sim = await startSimulatorProcess([
      '--latency',
      String(latencyMs),
      '--contacts',
      String(contacts),
    ]);
    const dynamodb = await startDynamoDbProcess();
    const budgetClient = localDynamoDbClient(dynamodb.url);
    const handlerTimes: Timings = { ms: [], failures: 0 };
    const sharedTimes: Timings = { ms: [], failures: 0 };
    const kyTimes: Timings = { ms: [], failures: 0 };
    try {
      // The highest limit the configuration allows: one call at a time never waits for a slot.
      const config = loadConfig({ RESPONDIO_BASE_URL: sim.url, RESPONDIO_RATE_LIMIT_RPS: '10000' });
      const logger = createLogger(loadLogSettings(process.env, 'bench-api'));
      const { directory, identifiers } = createLookups(config, 'api', {
        tokens: demoTokens,
        logger,
      });
      const handler = createApiHandler({ directory, identifiers, config, logger });
      // The same handler drawing from the shared budget on the local DynamoDB.
      const sharedConfig = loadConfig({
        RESPONDIO_BASE_URL: sim.url,
        RESPONDIO_RATE_LIMIT_RPS: '10000',
        RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE,
      });
      const sharedConnector = createLookups(sharedConfig, 'api', {
        tokens: demoTokens,
        logger,
        dynamodb: budgetClient,
      });
      const shared = createApiHandler({
        directory: sharedConnector.directory,
        identifiers: sharedConnector.identifiers,
        config: sharedConfig,
        logger,
      });
      const authorization = `Bearer ${DEMO_TOKEN}`;

      for (let call = 0; call < WARM_UP_CALLS + calls; call += 1) {
        const measured = call >= WARM_UP_CALLS;
        const id = `id:${(call % contacts) + 1}`;
        // Event and context are built before the clock starts: API Gateway and Lambda make them.
        const event = toApiGatewayEvent(
          { method: 'GET', url: `/contacts/${id}`, headers: { host: 'bench.local' } },
          { payloadVersion: '2.0', requestId: `bench-${call}` },
        );
        const context = createLambdaContext({ requestId: `bench-${call}` });
        let startedAt = performance.now();
        const answer = (await handler(event as never, context)) as { statusCode?: number };
        let elapsed = performance.now() - startedAt;
        if (answer.statusCode !== 200) handlerTimes.failures += 1;
        else if (measured) handlerTimes.ms.push(elapsed);

        const sharedEvent = toApiGatewayEvent(
          { method: 'GET', url: `/contacts/${id}`, headers: { host: 'bench.local' } },
          { payloadVersion: '2.0', requestId: `bench-shared-${call}` },
        );
        const sharedContext = createLambdaContext({ requestId: `bench-shared-${call}` });
        startedAt = performance.now();
        const sharedAnswer = (await shared(sharedEvent as never, sharedContext)) as {
          statusCode?: number;
        };
        elapsed = performance.now() - startedAt;
        if (sharedAnswer.statusCode !== 200) sharedTimes.failures += 1;
        else if (measured) sharedTimes.ms.push(elapsed);

        startedAt = performance.now();
        try {
          await ky.get(`${sim.url}/contact/${id}`, { headers: { authorization } }).json();
          elapsed = performance.now() - startedAt;
          if (measured) kyTimes.ms.push(elapsed);
        } catch {
          kyTimes.failures += 1;
        }
      }
    } finally {
      budgetClient.destroy();
      await sim.stop();
      await dynamodb.stop();
    }

    const kyP50 = percentile(kyTimes.ms, 50);
    const kyP99 = percentile(kyTimes.ms, 99);
    const line = (name: string, timings: Timings) => {
      const p50 = percentile(timings.ms, 50);
      const p99 = percentile(timings.ms, 99);
      const mean = timings.ms.reduce((sum, value) => sum + value, 0) / timings.ms.length;
      return [
        name,
        String(timings.ms.length),
        String(timings.failures),
        fixed(latencyMs, 0),
        fixed(p50, 2),
        fixed(p99, 2),
        fixed(mean, 2),
        fixed(p50 - latencyMs, 2),
        fixed(p99 - latencyMs, 2),
        times(p50 / kyP50, 3),
        times(p99 / kyP99, 3),
      ];
    };
    const extraP50 = percentile(handlerTimes.ms, 50) - kyP50;
    const extraP99 = percentile(handlerTimes.ms, 99) - kyP99;
    const sharedP50 = percentile(sharedTimes.ms, 50) - kyP50;
    const sharedP99 = percentile(sharedTimes.ms, 99) - kyP99;
    return {
      description:
        `${calls} sequential calls per row (after ${WARM_UP_CALLS} warm-up calls), the three rows interleaved call by call, ` +
        `against the simulator in a child process answering every request after ${latencyMs} ms. ` +
        'Handler latency: from handing the API Gateway event (payload 2.0) to the handler to its response. No target in the issue; lower is better.',
      columns: [
        'run',
        'calls',
        'failed',
        'sim latency ms',
        'p50 ms',
        'p99 ms',
        'mean ms',
        'p50 − sim ms',
        'p99 − sim ms',
        'p50 ÷ bare ky',
        'p99 ÷ bare ky',
      ],
      rows: [
        line('API handler: GET /contacts/{identifier}', handlerTimes),
        line('API handler with the shared budget (claim on dynalite)', sharedTimes),
        line('bare ky GET (floor: HTTP round trip)', kyTimes),
      ],
      notes: [
        `the connector's own cost over a bare HTTP GET: ${fixed(extraP50, 2)} ms at p50, ${fixed(extraP99, 2)} ms at p99${extraP99 < 0 || extraP50 < 0 ? ' (a negative difference is noise: the tails of both rows come from the machine, not the code)' : ''} (middy, routing, identifier parsing, rate limiter, retry loop, body size check, mapping, response)`,
        `with the shared budget in the path: ${fixed(sharedP50, 2)} ms at p50, ${fixed(sharedP99, 2)} ms at p99 over the bare GET, i.e. the claim's round trip to the budget table (dynalite in a child process, on loopback; DynamoDB in the same region answers a conditional write in a few ms)`,
        'p50 − sim / p99 − sim subtract the configured latency; the bare ky row shows what is left without any connector code (timer lateness at the simulator, loopback HTTP, JSON parsing)',
        'rate limit 10000 requests/s (the highest allowed) so the limiter never holds a call; logs at POWERTOOLS_LOG_LEVEL=SILENT (one INFO line per request in production adds its formatting and write)',
      ],
    };
  },
};
