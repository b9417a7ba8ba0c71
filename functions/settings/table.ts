/**
 * The settings table: every setting of the connector, declared once, grouped by topic. The
 * functions' loader (config.ts), the local run, the CDK context reader and the settings tables
 * of docs/ (`npm run docs`) all derive from it, hence its length. An entry with both
 * a variable and a context key is one value: the stack passes the context value to the functions
 * that read the variable, with the same default; `deployed` marks where the stack reads a key
 * differently on purpose, `stackSets` the variables the stack computes.
 */

import {
  DEFAULT_ERROR_BEHAVIOR,
  ERROR_BEHAVIORS,
  type ErrorBehavior,
  needsDeadLetterQueue,
  parseErrorBehavior,
} from './error-behavior.js';
import { phoneCountry } from './phone-countries.js';
import {
  baseUrl,
  flag,
  integer,
  integerIn,
  list,
  number,
  numberWhere,
  oneOf,
  text,
  textWhere,
} from './readers.js';
import { type Part, type SettingTable, setting, type ValuesOf } from './setting.js';

/** The service name of each function's logs and metrics: the stack sets the same. */
export const API_SERVICE_NAME = 'respondio-get-contact-api';
export const SQS_SERVICE_NAME = 'respondio-get-contact-sqs';
/** The file workflow's functions (prepare, batch, assemble) share one service name. */
export const FILES_SERVICE_NAME = 'respondio-get-contact-files';

/** Log levels the functions accept (Powertools' names); SILENT is for tests and benchmarks. */
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** The smallest RESPONDIO_RATE_LIMIT_SHARE a container accepts (the stack checks its split). */
export const MIN_RATE_LIMIT_SHARE = 0.001;

const port = () => integer(0, 65_535);

export const SETTINGS = {
  // --- The respond.io token ---
  tokenSecretId: setting<string | null>({
    env: 'RESPONDIO_TOKEN_SECRET_ID',
    readBy: 'functions',
    read: text(),
    default: null,
    defaultText: '— (required in Lambda; `npm start` sets it)',
    required: {
      by: ['api', 'sqs', 'file-batch'],
      unlessGiven: 'tokens',
      why: () => '(the Secrets Manager secret holding the respond.io API token)',
    },
    doc: 'Secrets Manager secret id or ARN holding the token. SecretString is the raw token or `{"token": "<token>"}`.',
    stackSets: 'from `tokenSecretArn`, `tokenSecretName` or the secret it creates',
  }),
  tokenSecretArn: setting<string | null>({
    context: 'tokenSecretArn',
    readBy: 'stack',
    read: textWhere(
      (value) =>
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(value),
      (name) =>
        `${name} must be a complete secret ARN ending in the 6-character suffix ` +
        '(arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf); for a name use tokenSecretName',
      'secret ARN',
    ),
    default: null,
    doc: 'Complete ARN of an existing Secrets Manager secret holding the respond.io token (raw token or `{"token":"..."}`). Preferred: IAM grants exactly this ARN.',
  }),
  tokenSecretName: setting<string | null>({
    context: 'tokenSecretName',
    readBy: 'stack',
    read: textWhere(
      (value) => /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(value) && !value.startsWith('arn:'),
      (name, value) =>
        `${name} must be a secret name (letters, digits and /_+=.@-), got ${JSON.stringify(value)}`,
      'secret name',
    ),
    default: null,
    doc: 'Name of an existing secret instead of its ARN; IAM then grants `arn:…:secret:<name>-??????` (the six `?` match only the random suffix Secrets Manager appends to that one name). With neither key, the stack creates an empty secret; fill it with `aws secretsmanager put-secret-value` (see the `TokenSecretArn` output).',
  }),
  tokenCacheTtlSeconds: setting({
    env: 'TOKEN_CACHE_TTL_SECONDS',
    context: 'tokenCacheTtlSeconds',
    readBy: 'functions',
    read: integer(0, 86_400),
    default: 300,
    doc: 'How long a token read from Secrets Manager is reused per container; a 401 re-reads it at once (see [Token rotation](token.md#token-rotation)).',
  }),
  tokenStaleMaxSeconds: setting({
    env: 'TOKEN_STALE_MAX_SECONDS',
    context: 'tokenStaleMaxSeconds',
    readBy: 'functions',
    read: integer(0, 86_400),
    // An hour: a token rarely changes, and a 401 still forces a real re-read.
    default: 3600,
    doc: 'A Secrets Manager outage: when the token cannot be read again after its TTL (a transient error), the last good token keeps serving for at most this long past its TTL, with a WARN log line and the `StaleToken` metric; the secret is tried again every 5 s. 0: never. A 401 still forces a real re-read.',
  }),

  // --- respond.io ---
  respondioBaseUrl: setting({
    env: 'RESPONDIO_BASE_URL',
    context: 'respondioBaseUrl',
    readBy: 'functions',
    read: baseUrl({ loopbackHttp: true }),
    default: 'https://api.respond.io/v2',
    doc: 'respond.io API base, without query, fragment or credentials. Requests go to `{base}/contact/{identifier}`.',
    deployed: {
      read: baseUrl({ loopbackHttp: false }),
      why: 'Deployed: https only (plain http to loopback is for local stand-ins).',
    },
  }),
  errorBehavior: setting({
    env: 'ERROR_BEHAVIOR',
    context: 'errorBehavior',
    readBy: 'functions',
    read: oneOf(ERROR_BEHAVIORS, { parse: parseErrorBehavior }),
    default: DEFAULT_ERROR_BEHAVIOR,
    doc: "What a failed lookup does (see [Error behavior](error-behavior.md)); the connector page's wording (`Fail and return response`) is accepted too.",
  }),
  respondioTimeoutMs: setting({
    env: 'RESPONDIO_TIMEOUT_MS',
    context: 'respondioTimeoutMs',
    readBy: 'functions',
    read: integer(100, 900_000),
    // 5 s plus a retry with backoff fits the API function's 15 s and a batch into the SQS timeout.
    default: 5000,
    doc: 'Timeout of one request to respond.io, shortened to the time left in the invocation.',
  }),
  respondioMaxAttempts: setting({
    env: 'RESPONDIO_MAX_ATTEMPTS',
    context: 'respondioMaxAttempts',
    readBy: 'functions',
    read: integer(1, 20),
    default: 3,
    doc: 'Attempts per lookup for 429/449/5xx/timeouts/network errors, first included. The retries after a 401 (one per token re-read) come on top.',
  }),
  maxRetryAfterSeconds: setting({
    env: 'RESPONDIO_MAX_RETRY_AFTER_SECONDS',
    readBy: 'functions',
    read: number(0, 900),
    default: 20,
    doc: 'Cap on a `Retry-After` wait.',
  }),

  // --- Identifiers ---
  defaultPhoneCountry: setting<string | null>({
    env: 'DEFAULT_PHONE_COUNTRY',
    context: 'defaultPhoneCountry',
    readBy: 'functions',
    read: phoneCountry(),
    default: null,
    defaultText: 'unset (national numbers are refused)',
    doc: 'The country of phone numbers written without a country code (`phone:0121233112` with `MY` is `phone:+60121233112`). Unset, such a number is a 400 that says to add the country code or set this. Numbers with `+` or `00` never need it.',
  }),

  // --- The contact cache: per container, in memory, off by default ---
  contactCacheTtlSeconds: setting({
    env: 'CONTACT_CACHE_TTL_SECONDS',
    context: 'contactCacheTtlSeconds',
    readBy: 'functions',
    read: integer(0, 86_400),
    // Off: a lookup always shows respond.io's current contact unless the deployer accepts older.
    default: 0,
    doc: "How long a found contact (a 200) is kept in the container's memory and answered from there without a request; 0: no cache. An answer is never older than this. Only 200 and 404 answers are kept (see [Contact cache](contact-cache.md)).",
  }),
  contactCacheNotFoundTtlSeconds: setting({
    env: 'CONTACT_CACHE_NOT_FOUND_TTL_SECONDS',
    context: 'contactCacheNotFoundTtlSeconds',
    readBy: 'functions',
    read: integer(0, 86_400),
    // A contact created a moment later should be found: 404s are not kept unless asked for.
    default: 0,
    doc: 'How long a 404 (no such contact) is kept; 0: never. At most `CONTACT_CACHE_TTL_SECONDS` (with the cache off, nothing is kept).',
  }),
  contactCacheMaxEntries: setting({
    env: 'CONTACT_CACHE_MAX_ENTRIES',
    context: 'contactCacheMaxEntries',
    readBy: 'functions',
    read: integer(1, 1_000_000),
    // About 1–2 KB a contact: 10,000 stay well inside the functions' 512 MB.
    default: 10_000,
    doc: 'The most answers the contact cache keeps per container; when full, the least recently used goes first.',
  }),

  // --- The rate budget and how many containers share it ---
  respondioRateLimitRps: setting({
    env: 'RESPONDIO_RATE_LIMIT_RPS',
    context: 'respondioRateLimitRps',
    readBy: 'functions',
    read: number(0.1, 10_000),
    default: 5,
    doc: "The organisation's respond.io budget, requests per second, shared by every container of both functions.",
  }),
  rateLimitShare: setting({
    env: 'RESPONDIO_RATE_LIMIT_SHARE',
    readBy: 'functions',
    read: number(MIN_RATE_LIMIT_SHARE, 1),
    default: 1,
    doc: "The container's static share of that budget: what it uses without a budget table, or on the fallback when the table cannot be reached. Its rate, RPS × SHARE, is rounded down to a whole number when at least 1.",
    stackSets:
      'from `apiBudgetShare`, `apiConcurrency` and `maxConcurrency` (see [the static split](shared-budget.md#the-static-split-the-fallback))',
  }),
  rateBudget: setting<'shared' | 'static'>({
    context: 'rateBudget',
    readBy: 'stack',
    read: oneOf(['shared', 'static']),
    default: 'shared',
    doc: '`shared`: one budget for every container of both functions, coordinated through a DynamoDB table (see [the shared budget](shared-budget.md)). `static`: no table; each container keeps its static share of the split below.',
  }),
  rateBudgetTable: setting<string | null>({
    env: 'RATE_BUDGET_TABLE',
    readBy: 'functions',
    read: text(),
    default: null,
    defaultText: 'unset (the static share)',
    required: {
      by: ['file-batch'],
      unlessGiven: 'budget',
      why: () => '(the file batch function draws only on the shared budget)',
    },
    doc: 'DynamoDB table holding the shared budget (see [the shared budget](shared-budget.md)). Unset: each container keeps its static share, `RESPONDIO_RATE_LIMIT_SHARE`.',
    stackSets: 'to its budget table (not set with `rateBudget=static`)',
  }),
  rateBudgetTimeoutMs: setting({
    env: 'RATE_BUDGET_TIMEOUT_MS',
    context: 'rateBudgetTimeoutMs',
    readBy: 'functions',
    read: integer(10, 5000),
    default: 100,
    doc: 'Timeout of one request to the budget table, ms (the first request of a container, which opens the connection, may take 1 s). No SDK retries: a container that cannot reach the table falls back to its static share.',
  }),
  rateBudgetClockSkewMs: setting({
    env: 'RATE_BUDGET_CLOCK_SKEW_MS',
    context: 'rateBudgetClockSkewMs',
    readBy: 'functions',
    read: integer(0, 1000),
    default: 20,
    doc: "The most any two containers' clocks may differ, ms. The shared budget spaces its slots so that even then no second sees more than the budget; each ms costs 0.1% of the budget.",
  }),
  rateBudgetBatchMinShare: setting({
    env: 'RATE_BUDGET_BATCH_MIN_SHARE',
    context: 'rateBudgetBatchMinShare',
    readBy: 'functions',
    read: numberWhere(
      number(0, 1),
      (value) => value >= 0.01 && value <= 0.5,
      (name) => `${name} must be from 0.01 to 0.5`,
      'number 0.01–0.5',
    ),
    default: 0.1,
    doc: 'The share of the shared budget an SQS container with rows waiting gets at least, however many API lookups want it (API lookups otherwise go first).',
  }),
  rateBudgetLearning: setting({
    env: 'RATE_BUDGET_LEARNING',
    context: 'rateBudgetLearning',
    readBy: 'functions',
    read: flag(),
    default: true,
    doc: "Learn the rate respond.io really has free, below `RESPONDIO_RATE_LIMIT_RPS` (the ceiling): a 429 cuts it for every container and holds the whole budget for its Retry-After, respond.io's `X-RateLimit-*` headers cap it or cut it when others spend the budget, and it climbs back to the ceiling over seconds (see [how the budget learns](shared-budget.md#how-the-budget-learns)). `false`: the configured rate is spent as is and a 429 pauses only the container that got it.",
  }),
  apiBudgetShare: setting({
    context: 'apiBudgetShare',
    readBy: 'stack',
    read: numberWhere(
      number(0, 1),
      (value) => value > 0 && value < 1,
      (name) => `${name} must be above 0 and below 1 (both functions need part of the budget)`,
      'number above 0 and below 1',
    ),
    default: 0.2,
    doc: 'Fraction of the budget for the API function in the static split (the fallback of the shared budget, or the whole rule with `rateBudget=static`); the SQS function gets the rest.',
  }),
  apiConcurrency: setting<number | null>({
    context: 'apiConcurrency',
    readBy: 'stack',
    read: integer(1, 1000),
    default: null,
    defaultText: '4 (shared budget, learning); 1 (`rateBudget=static` or learning off)',
    doc: 'Reserved concurrency of the API function: at most this many lookups at once (see [sizing it](shared-budget.md#sizing-apiconcurrency)); its static share is split across this many. With the shared budget and learning, the static split must fit the budget in the long run; otherwise every container counts toward the one-second check (see the static split).',
  }),
  maxConcurrency: setting({
    context: 'maxConcurrency',
    readBy: 'stack',
    read: integer(2, 1000),
    default: 2,
    doc: 'Maximum concurrency of the SQS event source mapping. Every container counts toward the one-second check (see the static split).',
  }),

  // --- The queues and the SQS event source ---
  batchSize: setting({
    context: 'batchSize',
    readBy: 'stack',
    read: integer(1, 10_000),
    default: 10,
    doc: 'SQS event source batch size.',
  }),
  maxBatchingWindowSeconds: setting({
    context: 'maxBatchingWindowSeconds',
    readBy: 'stack',
    read: integer(0, 300),
    default: 1,
    doc: 'SQS event source batching window, seconds (> 0 required if batchSize > 10).',
  }),
  maxReceiveCount: setting({
    env: 'MAX_RECEIVE_COUNT',
    context: 'maxReceiveCount',
    readBy: 'sqs',
    read: integer(1, 1000),
    default: 5,
    doc: "The input queue's redrive `maxReceiveCount`; the attempt with this receive count is the last, so its failure is final.",
  }),
  resultsQueueUrl: setting<string | null>({
    env: 'RESULTS_QUEUE_URL',
    readBy: 'sqs',
    read: text(),
    default: null,
    defaultText: '— (required by the SQS function)',
    required: { by: ['sqs'], unlessGiven: 'results' },
    doc: 'Where the SQS function writes one result row per input row.',
    stackSets: 'to its results queue',
  }),
  deadLetterQueueUrl: setting<string | null>({
    env: 'DEAD_LETTER_QUEUE_URL',
    readBy: 'sqs',
    read: text(),
    default: null,
    defaultText: '— (required by the SQS function unless `DoNotFailAndReturnResponse`)',
    required: {
      by: ['sqs'],
      unlessGiven: 'deadLetters',
      when: (values) => needsDeadLetterQueue(values.errorBehavior as ErrorBehavior),
      why: (values) =>
        `with ERROR_BEHAVIOR=${values.errorBehavior} (final failures are moved to the dead-letter queue)`,
    },
    doc: 'Where final failures are moved under the two Fail behaviors.',
    stackSets: 'to its dead-letter queue',
  }),

  // --- Bulk files: the files bucket and the state machine's distributed map ---
  filesBucket: setting<string | null>({
    env: 'FILES_BUCKET',
    readBy: 'files',
    read: text(),
    default: null,
    defaultText: '— (required by the file functions)',
    required: { by: ['file-batch', 'file-steps'], unlessGiven: 'store' },
    doc: "The files bucket: uploads under `input/`, results and summaries under `output/`, the runs' parts under `runs/` (see [Bulk files](files.md)).",
    stackSets: 'to its files bucket',
  }),
  fileMaxBytes: setting({
    env: 'FILE_MAX_BYTES',
    context: 'fileMaxBytes',
    readBy: 'files',
    read: integer(1, 10 * 1024 ** 3),
    // 100 MiB: about a million rows of a CRM export with a few columns.
    default: 100 * 1024 ** 2,
    doc: 'The largest file a run takes, bytes; a larger upload ends its run with `FileRejected` before any lookup.',
  }),
  fileMaxRows: setting({
    env: 'FILE_MAX_ROWS',
    context: 'fileMaxRows',
    readBy: 'files',
    read: integer(1, 10_000_000),
    // At the default 5 requests/s a million rows take about 2.3 days (a Standard workflow may run a year).
    default: 1_000_000,
    doc: 'The most rows a file may have; a file with more ends its run with `FileRejected` before any lookup. At most fileBatchSize × 10,000 (the child executions of one run).',
  }),
  fileBatchSize: setting({
    context: 'fileBatchSize',
    readBy: 'stack',
    read: integer(1, 1000),
    default: 100,
    doc: 'Rows per child execution of the distributed map (ItemBatcher MaxItemsPerBatch; batches also stay under 200 KiB of rows).',
  }),
  fileMaxConcurrency: setting({
    context: 'fileMaxConcurrency',
    readBy: 'stack',
    read: integer(1, 100),
    // Two: one batch function alone can use the whole budget; a second covers the gap between batches.
    default: 2,
    doc: "The distributed map's MaxConcurrency: batches at once. Each can use the whole shared budget, so more only adds Lambda time waiting for it.",
  }),
  fileBatchTimeoutSeconds: setting({
    context: 'fileBatchTimeoutSeconds',
    readBy: 'stack',
    read: integer(30, 900),
    default: 300,
    doc: 'Timeout of the file batch function. A batch that cannot finish in time keeps its done rows and is retried (the rest only).',
  }),
  fileResultsExpireDays: setting({
    context: 'fileResultsExpireDays',
    readBy: 'stack',
    read: integer(1, 3650),
    default: 30,
    doc: 'Results and summaries under `output/` are deleted this many days after they were written (a lifecycle rule).',
  }),
  filePartsExpireDays: setting({
    context: 'filePartsExpireDays',
    readBy: 'stack',
    read: integer(1, 365),
    default: 7,
    doc: "The runs' parts under `runs/`, and replaced versions of every object, are deleted after this many days. Longer than the longest run (a million rows at 5 requests/s: about 2.3 days).",
  }),

  // --- The functions ---
  apiTimeoutSeconds: setting({
    context: 'apiTimeoutSeconds',
    readBy: 'stack',
    read: integer(1, 29),
    default: 15,
    doc: 'API function timeout (HTTP API integrations end at 30 s).',
  }),
  sqsTimeoutSeconds: setting({
    context: 'sqsTimeoutSeconds',
    readBy: 'stack',
    read: integer(1, 900),
    default: 60,
    doc: 'SQS function timeout.',
  }),
  memorySize: setting({
    context: 'memorySize',
    readBy: 'stack',
    read: integer(128, 10_240),
    default: 512,
    doc: 'Memory of every function, MB.',
  }),

  // --- Logs, metrics and alarms ---
  logLevel: setting<LogLevel>({
    env: 'POWERTOOLS_LOG_LEVEL',
    context: 'logLevel',
    readBy: 'functions',
    read: oneOf(LOG_LEVELS),
    default: 'INFO',
    doc: 'Log level.',
    deployed: {
      read: oneOf(LOG_LEVELS.filter((level) => level !== 'SILENT')),
      why: 'Deployed: not SILENT (a deployed function always logs its failures).',
    },
  }),
  serviceName: setting<string | null>({
    env: 'POWERTOOLS_SERVICE_NAME',
    readBy: 'functions',
    read: text(),
    default: null,
    defaultText: `\`${API_SERVICE_NAME}\` (API), \`${SQS_SERVICE_NAME}\` (SQS), \`${FILES_SERVICE_NAME}\` (files)`,
    doc: 'The `service` of every log line and metric.',
    stackSets: "to the function's own name (the default)",
  }),
  metricsNamespace: setting({
    env: 'POWERTOOLS_METRICS_NAMESPACE',
    context: 'metricsNamespace',
    readBy: 'functions',
    read: textWhere(
      (value) => /^[A-Za-z0-9._/#:-]{1,255}$/.test(value),
      (name, value) => `${name} has characters CloudWatch does not accept: ${value}`,
      'CloudWatch namespace',
    ),
    default: 'RespondioConnector',
    doc: "CloudWatch namespace of both functions' metrics (the SQS function's batch metrics, the budget's and the token's metrics of both).",
  }),
  tracing: setting({
    env: 'POWERTOOLS_TRACE_ENABLED',
    context: 'tracing',
    readBy: 'functions',
    read: flag(),
    // Off unless the stack turns it on: the local run, the tests and the benchmarks never load
    // the X-Ray SDK (platform/tracing.ts loads it only when this is true).
    default: false,
    doc: 'AWS X-Ray tracing: the respond.io lookups and attempts and the AWS SDK calls as subsegments, with status codes and timings as annotations (never identifiers, contact data or the token). Off: the X-Ray SDK is not even loaded.',
    deployed: {
      default: true,
      why: "Deployed: on by default, with Lambda active tracing on every function (and X-Ray on the file workflow's state machine); `-c tracing=false` turns it all off.",
    },
  }),
  logRetentionDays: setting<LogRetentionDays>({
    context: 'logRetentionDays',
    readBy: 'stack',
    read: integerIn(LOG_RETENTION_DAYS, 'a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, … 3653)'),
    default: 30,
    doc: 'Retention of the function and access log groups, days.',
  }),
  alarmTopicArn: setting<string | null>({
    context: 'alarmTopicArn',
    readBy: 'stack',
    read: textWhere(
      (value) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(value),
      (name, value) => `${name} must be an SNS topic ARN, got ${JSON.stringify(value)}`,
      'SNS topic ARN',
    ),
    default: null,
    doc: 'Existing SNS topic for alarm and OK notifications; without it alarms only show state.',
  }),
  oldestMessageAlarmSeconds: setting({
    context: 'oldestMessageAlarmSeconds',
    readBy: 'stack',
    read: integer(60, 1_209_600),
    default: 1800,
    doc: 'Alarm when the oldest input message is older than this, seconds.',
  }),

  // --- The API ---
  apiAuth: setting<'iam' | 'jwt'>({
    context: 'apiAuth',
    readBy: 'stack',
    read: oneOf(['iam', 'jwt'], { hint: 'the API is never anonymous' }),
    default: 'iam',
    doc: '`iam` (SigV4, caller needs execute-api:Invoke) or `jwt` (JWT authorizer; Cognito or any OIDC issuer). Never anonymous.',
  }),
  jwtIssuer: setting<string | null>({
    context: 'jwtIssuer',
    readBy: 'stack',
    read: text(),
    default: null,
    doc: 'With apiAuth=jwt: issuer URL (https), e.g. `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.',
  }),
  jwtAudience: setting<readonly string[]>({
    context: 'jwtAudience',
    readBy: 'stack',
    read: list(),
    default: [],
    defaultText: '(none)',
    doc: 'With apiAuth=jwt: accepted audiences (Cognito: the app client id).',
  }),
  apiThrottleRateLimit: setting<number | null>({
    context: 'apiThrottleRateLimit',
    readBy: 'stack',
    read: number(0.1, 10_000),
    default: null,
    defaultText:
      'respondioRateLimitRps (shared budget); apiConcurrency × API container rate (static)',
    doc: 'API stage steady-state throttle, requests/s (callers beyond it get 429). The default is what the API containers can send together: with the shared budget the whole budget; with `rateBudget=static`, apiConcurrency × (respondioRateLimitRps × apiBudgetShare / apiConcurrency, rounded down to a whole number when ≥ 1).',
  }),
  apiThrottleBurstLimit: setting<number | null>({
    context: 'apiThrottleBurstLimit',
    readBy: 'stack',
    read: integer(1, 5000),
    default: null,
    defaultText: 'apiConcurrency',
    doc: 'API stage burst throttle, requests.',
  }),

  // --- The local run (npm start, npm run batch) ---
  port: setting({
    env: 'PORT',
    readBy: 'local',
    read: port(),
    default: 3000,
    doc: 'Port of the local endpoint (0 = any free port).',
  }),
  host: setting({
    env: 'HOST',
    readBy: 'local',
    read: text(),
    default: '127.0.0.1',
    doc: 'Interface the local endpoint listens on.',
  }),
  respondioToken: setting<string | null>({
    env: 'RESPONDIO_TOKEN',
    readBy: 'local',
    read: text(),
    default: null,
    defaultText: 'unset',
    doc: 'A real respond.io token. Unset → the built-in simulator. Set → the real API. Never printed; never read by the Lambdas.',
  }),
  localSqsPort: setting({
    env: 'LOCAL_SQS_PORT',
    readBy: 'local',
    read: port(),
    default: 9324,
    doc: 'Port of the local SQS that `npm start` runs and `npm run batch` uses.',
  }),
  localRateBudget: setting<'shared' | 'static'>({
    env: 'LOCAL_RATE_BUDGET',
    readBy: 'local',
    read: oneOf(['shared', 'static']),
    default: 'shared',
    doc: '`shared`: `npm start` runs a local DynamoDB (dynalite, in memory) with the budget table, and both functions share one budget through it, as deployed (with `RATE_BUDGET_TIMEOUT_MS` 1000 unless set: the local DynamoDB answers in the same busy process). `static`: no table; each container keeps its static share.',
  }),
} satisfies SettingTable;

export type SettingValues = ValuesOf<typeof SETTINGS>;

/** Whether the function `fn` (`files`: the file functions) reads a setting read by `part`. */
export function readByFunction(part: Part, fn: 'api' | 'sqs' | 'files'): boolean {
  return part === fn || part === 'functions';
}
