/**
 * `npm start`: the API function served on a local port, as API Gateway would call it.
 *
 * By default it is backed by the respond.io simulator (demo contacts, no token, no AWS account):
 * the simulator and a Secrets Manager stand-in holding the demo token start on free loopback
 * ports, the standard AWS SDK variables point at the stand-in, and only then is the real
 * functions/api/handler.ts imported, so it builds its container exactly as in Lambda.
 *
 * Both functions share one rate budget through a local DynamoDB (dynalite) holding the budget
 * table, as deployed (LOCAL_RATE_BUDGET=static: each keeps its static share instead).
 *
 * With the queue pipeline and the shared budget it also runs the bulk file workflow: the files
 * bucket on the same local S3 (fauxqs speaks SQS and S3 on one port), watched under input/ by
 * the local runner of the state machine (local/file-pipeline.ts), results under output/.
 *
 * With `RESPONDIO_TOKEN=<token> npm start` there is no simulator: the stand-in holds that token
 * and the handler calls RESPONDIO_BASE_URL (default: the real respond.io API). The token is never
 * printed and is removed from this process's environment once read.
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_BASE_URL,
  loadConfig,
  loadLocalRunSettings,
} from '../functions/settings/config.js';
import { SETTINGS } from '../functions/settings/table.js';
import {
  type PayloadVersion,
  type ProxyHandler,
  startApiGatewayServer,
} from './api-gateway-server.js';
import { LOCAL_BUDGET_TABLE, startDynamoDbStandIn } from './dynamodb-stand-in.js';
import { type FilePipeline, type RunEvent, startFilePipeline } from './file-pipeline.js';
import { createLocalBucket, LOCAL_FILES_BUCKET, localS3Client } from './local-s3.js';
import { localSqsFunction, startQueuePipeline } from './queue-pipeline.js';
import { startSecretsManagerStandIn } from './secrets-manager-stand-in.js';
import { DEMO_CONTACTS, DEMO_TOKEN, startSimulator } from './simulator/server.js';

/** The secret id the local run stores the token under. */
export const LOCAL_TOKEN_SECRET_ID = 'local/respondio-token';

export const DEFAULT_PORT = SETTINGS.port.default;

export interface LocalRunOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** A real respond.io token: no simulator; the handler calls `baseUrl`. */
  readonly realToken?: string;
  /** respond.io base URL with a real token. Default https://api.respond.io/v2. */
  readonly baseUrl?: string;
  /** Default '2.0' (HTTP API). */
  readonly payloadVersion?: PayloadVersion;
  /**
   * Port of the local SQS pipeline (input, results and dead-letter queues feeding the real SQS
   * function); 0 picks a free port. Not given: no queue pipeline.
   */
  readonly sqsPort?: number;
  /**
   * `shared` (default): a local DynamoDB (dynalite) with the budget table, and both functions
   * draw from one shared budget through it, as deployed. `static`: each keeps its static share.
   */
  readonly rateBudget?: 'shared' | 'static';
  /** Told when a file run starts and ends (npm start prints a line). */
  readonly onFileRun?: (event: RunEvent) => void;
}

export interface LocalRun {
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string;
  /** 'simulator' or the respond.io base URL in use. */
  readonly backend: 'simulator' | 'respond.io';
  readonly respondioBaseUrl: string;
  /** The local SQS endpoint and queue URLs, when the queue pipeline runs. */
  readonly queues: {
    readonly endpoint: string;
    readonly input: string;
    readonly results: string;
    readonly deadLetter: string;
  } | null;
  /** The local budget table both functions share, when the shared budget runs. */
  readonly budgetTable: { readonly endpoint: string; readonly table: string } | null;
  /**
   * The bulk file workflow, with the queue pipeline and the shared budget (its batch function
   * draws only on the shared budget): the local S3 endpoint, its bucket, the map's plan.
   */
  readonly files: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly plan: FilePipeline['plan'];
  } | null;
  /** Ready-to-paste curl commands. */
  readonly curlLines: readonly string[];
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/** Ready-to-paste curl lines for the running endpoint. */
export function curlLines(url: string): string[] {
  const jane = DEMO_CONTACTS[0];
  const email = jane?.email ?? 'jane.tan@example.com';
  const phone = jane?.phone ?? '+60121233112';
  return [
    `curl -s ${url}/contacts/id:1`,
    `curl -s -i ${url}/contacts/id:999999`,
    `curl -s ${url}/contacts/email:${email}`,
    `curl -s -X POST ${url}/contacts/lookup -H 'content-type: application/json' -d '{"Identifier": "phone:${phone}"}'`,
  ];
}

/**
 * Starts the local stack: backend, secrets stand-in, the handler, the HTTP front. Sets
 * process.env for the handler (which reads it once, at import). One per process: the handler
 * module keeps its first container.
 */
export async function startLocal(options: LocalRunOptions = {}): Promise<LocalRun> {
  const started: Closable[] = [];
  const closeAll = async () => {
    for (const service of started.reverse()) await service.close();
  };
  try {
    const realToken = options.realToken?.trim() || undefined;
    let token = DEMO_TOKEN;
    let baseUrl: string;
    if (realToken) {
      token = realToken;
      baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    } else {
      const simulator = await startSimulator({ host: '127.0.0.1', port: 0, tokens: [DEMO_TOKEN] });
      started.push(simulator);
      baseUrl = simulator.url;
    }
    const secrets = await startSecretsManagerStandIn({
      host: '127.0.0.1',
      port: 0,
      secrets: { [LOCAL_TOKEN_SECRET_ID]: token },
    });
    started.push(secrets);

    // The AWS SDK's own defaults reach the stand-in; dummy credentials, never a real account.
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      RESPONDIO_BASE_URL: baseUrl,
      RESPONDIO_TOKEN_SECRET_ID: LOCAL_TOKEN_SECRET_ID,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    // The shared budget: a local DynamoDB holding the budget table, reached through the SDK's
    // own endpoint variable, as the functions reach DynamoDB when deployed.
    let budgetTable: LocalRun['budgetTable'] = null;
    if ((options.rateBudget ?? 'shared') === 'shared') {
      const dynamodb = await startDynamoDbStandIn({ host: '127.0.0.1', port: 0 });
      started.push(dynamodb);
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
        RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE,
        // The local DynamoDB answers in this process's event loop, next to everything else: a
        // busy laptop must not look like a table outage (deployed, DynamoDB answers in ms).
        RATE_BUDGET_TIMEOUT_MS: process.env.RATE_BUDGET_TIMEOUT_MS ?? '1000',
      });
      budgetTable = { endpoint: dynamodb.url, table: LOCAL_BUDGET_TABLE };
    } else {
      delete process.env.RATE_BUDGET_TABLE;
    }

    // The SQS function behind a local SQS (fauxqs) with event-source-mapping semantics.
    let queues: LocalRun['queues'] = null;
    if (options.sqsPort !== undefined) {
      const pipeline = await startQueuePipeline({
        port: options.sqsPort,
        createHandler: localSqsFunction(),
      });
      started.push({ close: () => pipeline.stop() });
      queues = { endpoint: pipeline.sqsEndpoint, ...pipeline.queues };
    }

    // The bulk file workflow on the same fauxqs server (it speaks S3 too), the real file steps
    // run by the local runner of the state machine for each upload under input/.
    let files: LocalRun['files'] = null;
    if (queues !== null && budgetTable !== null) {
      const client = localS3Client(queues.endpoint);
      try {
        await createLocalBucket(client, LOCAL_FILES_BUCKET);
      } finally {
        client.destroy();
      }
      const filePipeline = await startFilePipeline({
        s3Endpoint: queues.endpoint,
        bucket: LOCAL_FILES_BUCKET,
        ...(options.onFileRun ? { onRun: options.onFileRun } : {}),
        onWatchError: (error) => {
          process.stderr.write(`file watcher: listing input/ failed: ${(error as Error)?.name}\n`);
        },
      });
      started.push({ close: () => filePipeline.stop() });
      files = { endpoint: queues.endpoint, bucket: LOCAL_FILES_BUCKET, plan: filePipeline.plan };
    }

    // Imported only now, so the real handler builds its container from the variables above; a
    // configuration it cannot start with stops the local run here, at start-up.
    const { handler } = await import('../functions/api/handler.js');
    await handler.ready();
    const front = await startApiGatewayServer({
      handler: handler as unknown as ProxyHandler,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? DEFAULT_PORT,
      payloadVersion: options.payloadVersion ?? '2.0',
      onInvocationError: ({ requestId, errorName }) => {
        process.stderr.write(`Invocation ${requestId} failed: ${errorName}\n`);
      },
    });
    started.push(front);

    return {
      url: front.url,
      backend: realToken ? 'respond.io' : 'simulator',
      respondioBaseUrl: baseUrl,
      queues,
      budgetTable,
      files,
      curlLines: curlLines(front.url),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function main(): Promise<void> {
  // Both through the settings table: a bad value stops here, naming every problem.
  const local = loadLocalRunSettings(process.env);
  const functions = loadConfig(process.env);
  const realToken = local.respondioToken ?? undefined;
  // The handler reads the token from the secrets stand-in; keep it out of the environment.
  delete process.env.RESPONDIO_TOKEN;
  const run = await startLocal({
    host: local.host,
    port: local.port,
    // With a real token the handler calls RESPONDIO_BASE_URL (default: the real respond.io API).
    ...(realToken ? { realToken, baseUrl: functions.baseUrl } : {}),
    sqsPort: local.localSqsPort,
    rateBudget: local.localRateBudget,
    onFileRun: (event) => process.stdout.write(`${fileRunLine(event)}\n`),
  });

  const backend =
    run.backend === 'simulator'
      ? `the respond.io simulator (demo contacts ids 1-${DEMO_CONTACTS.length}, no token needed)`
      : `respond.io at ${run.respondioBaseUrl} (token from RESPONDIO_TOKEN, not shown)`;
  process.stdout.write(
    [
      '',
      `respond.io Get Contact API listening on ${run.url}`,
      `Backed by ${backend}; ERROR_BEHAVIOR=${functions.errorBehavior}`,
      '',
      'Try:',
      ...run.curlLines.map((line) => `  ${line}`),
      '',
      run.budgetTable
        ? `Shared rate budget: table ${run.budgetTable.table} on a local DynamoDB (dynalite) at ${run.budgetTable.endpoint}; LOCAL_RATE_BUDGET=static turns it off`
        : 'Static rate budget: each container keeps its share (LOCAL_RATE_BUDGET=static)',
      '',
      ...(run.queues
        ? [
            `Local SQS on ${run.queues.endpoint}: the SQS function consumes ${run.queues.input}`,
            'Send rows through it and collect the result rows:',
            '  npm run batch -- local/sample-rows.csv',
            '',
          ]
        : []),
      ...(run.files ? fileLines(run.files) : []),
      ...(run.queues && !run.files
        ? ['Bulk files need the shared budget (LOCAL_RATE_BUDGET=shared): not running', '']
        : []),
      'Each request logs one JSON line below. Ctrl-C stops.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    run.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Could not stop cleanly: ${(error as Error)?.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** How to use the file workflow of `npm start`. */
export function fileLines(files: NonNullable<LocalRun['files']>): string[] {
  const { endpoint, bucket, plan } = files;
  return [
    `Local S3 on ${endpoint}, bucket ${bucket}: each upload under input/ starts a file run`,
    `(the state machine's stand-in: batches of ${plan.batchSize} rows, ${plan.maxConcurrency} at once, through the SQS function's budget lane)`,
    'Upload a CSV (an Identifier column) or JSON Lines file and fetch its results:',
    '  npm run batch -- local/sample-rows.csv --via-files',
    `  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region us-east-1 --endpoint-url ${endpoint} s3 cp rows.csv s3://${bucket}/input/rows.csv`,
    `Results: s3://${bucket}/output/<name>.results.csv|jsonl, then output/<name>.summary.json`,
    '',
  ];
}

/** One line per file run's start and end. */
export function fileRunLine(event: RunEvent): string {
  if (event.phase === 'started') return `file run ${event.runId}: ${event.key} started`;
  const { outcome } = event;
  const assembled = outcome.assembled;
  const counts = assembled
    ? ` (${assembled.rows} rows: ${assembled.found} found, ${assembled.notFound} not found, ${assembled.otherErrors} other errors)`
    : '';
  const written = assembled?.results ?? outcome.reported?.summary;
  const where = written === undefined ? '' : ` → ${written}`;
  const status =
    outcome.status === 'SUCCEEDED'
      ? 'succeeded'
      : `${outcome.status.toLowerCase()} ${outcome.error ?? ''}: ${outcome.cause ?? ''}`;
  return `file run ${event.runId}: ${event.key} ${status}${where}${counts}`;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** What went wrong at start-up, with the setting to change when a port is taken. */
export function startFailureMessage(error: unknown): string {
  const failure = error as NodeJS.ErrnoException & { port?: number };
  if (failure?.code === 'EADDRINUSE') {
    const setting =
      failure.port === loadLocalRunSettings(process.env).port ? 'PORT' : 'LOCAL_SQS_PORT';
    return `port ${failure.port} is already in use (another npm start?); stop that process or choose another port, e.g. ${setting}=${(failure.port ?? 0) + 1} npm start`;
  }
  return failure?.message ?? String(error);
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    // A ConfigError (e.g. an unknown ERROR_BEHAVIOR) says exactly what to fix.
    process.stderr.write(`Could not start: ${startFailureMessage(error)}\n`);
    process.exit(1);
  });
}
