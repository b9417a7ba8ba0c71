/**
 * What this stack answers to AWS's rule packs for CDK (cdk-nag 3: AwsSolutions and Serverless),
 * finding by finding: met by the design, or acknowledged with the reason it does not apply. One
 * table, the lookups' decisions here and the file workflow's in file-workflow-rule-decisions.ts:
 * each feature acknowledges from it on its own constructs (with infra/rule-packs.ts), and the
 * "AWS rule packs" table of docs/security.md is written from it (`npm run docs`;
 * test/infra/rule-packs.test.ts fails while they differ).
 */

import { FILE_WORKFLOW_RULE_DECISIONS } from './file-workflow-rule-decisions.js';

export type RulePack = 'AwsSolutions' | 'Serverless';

export interface RuleDecision {
  readonly pack: RulePack;
  /** The rule id, with the finding for rules that report several (e.g. `[Resource::*]`). */
  readonly rule: string;
  /** What the rule asks for, in a few words. */
  readonly asks: string;
  /** Where it applies in this stack (for the docs' table). */
  readonly on: string;
  /** `acknowledged`: the finding is acknowledged on the construct; `met`: the stack does it. */
  readonly decision: 'acknowledged' | 'met';
  /** Why it does not apply, or how it is met. */
  readonly why: string;
}

const NO_RESULTS_REDRIVE =
  'The results queue is the connector’s output, and its consumer is the user. A redrive policy ' +
  'counts every receive, including a consumer that reads a message and leaves it, and ' +
  '`npm run batch`, which makes the results of other senders visible again at once; after ' +
  '`maxReceiveCount` receives it would move results that nobody failed to process out of sight. ' +
  'What to do with a result it cannot handle is the consumer’s decision; unread results expire ' +
  'after the queue’s 4-day retention.';

/**
 * The lookups' decisions: the token secret, the queues, the API and SQS functions and the budget
 * table (`xrayUpload` covers the file workflow's functions too).
 */
const LOOKUP_RULE_DECISIONS = {
  tokenRotation: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-SMG4',
    asks: 'automatic rotation of the secret',
    on: 'the token secret the stack creates (not an imported one)',
    decision: 'acknowledged',
    why:
      'The secret holds a respond.io API token, which is created in the respond.io app; no ' +
      'rotation function of Secrets Manager can issue one. Rotate it by hand: create a new token ' +
      'in respond.io, `aws secretsmanager put-secret-value` it, then revoke the old one. Each ' +
      'container reads the secret again after `tokenCacheTtlSeconds`, and at once on a 401.',
  },
  resultsQueueDeadLetters: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-SQS3',
    asks: 'a dead-letter queue for every queue that is not one',
    on: 'the results queue',
    decision: 'acknowledged',
    why: NO_RESULTS_REDRIVE,
  },
  resultsQueueRedrive: {
    pack: 'Serverless',
    rule: 'Serverless-SQSRedrivePolicy',
    asks: 'a redrive policy on every queue',
    on: 'the results queue',
    decision: 'acknowledged',
    why: NO_RESULTS_REDRIVE,
  },
  deadLetterQueueRedrive: {
    pack: 'Serverless',
    rule: 'Serverless-SQSRedrivePolicy',
    asks: 'a redrive policy on every queue',
    on: 'the dead-letter queue',
    decision: 'acknowledged',
    why:
      'It is the input queue’s dead-letter queue: its messages stay 14 days (with an alarm while ' +
      'it is not empty) and go back to the input queue with `aws sqs start-message-move-task` ' +
      'once the cause is fixed. A dead-letter queue behind it would only hide them further.',
  },
  apiFunctionDeadLetters: {
    pack: 'Serverless',
    rule: 'Serverless-LambdaDLQ',
    asks: 'a dead-letter target for the function',
    on: 'the API function',
    decision: 'acknowledged',
    why:
      'A function’s dead-letter target receives failed asynchronous invocations only. API ' +
      'Gateway invokes the API function synchronously: a failure is answered to the caller, ' +
      'and there is no event left to keep.',
  },
  sqsFunctionDeadLetters: {
    pack: 'Serverless',
    rule: 'Serverless-LambdaDLQ',
    asks: 'a dead-letter target for the function',
    on: 'the SQS function',
    decision: 'acknowledged',
    why:
      'The event source mapping invokes the function synchronously, so a function dead-letter ' +
      'target would never be used. A row that fails stays on the input queue and is delivered ' +
      'again; the input queue’s redrive policy moves it to the dead-letter queue after ' +
      '`maxReceiveCount` receives, and the function moves final failures there itself, with the ' +
      'reason.',
  },
  eventSourceDestination: {
    pack: 'Serverless',
    rule: 'Serverless-LambdaEventSourceMappingDestination',
    asks: 'an on-failure destination for the event source mapping',
    on: 'the SQS event source mapping',
    decision: 'acknowledged',
    why:
      'Lambda has on-failure destinations for stream and Kafka sources (Kinesis, DynamoDB ' +
      'Streams, Amazon MSK, self-managed Kafka), not for SQS sources. For an SQS source the ' +
      'queue’s redrive policy is the on-failure destination: the input queue’s, to the ' +
      'dead-letter queue.',
  },
  xrayUpload: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'every function role (API, SQS and the file workflow’s three), with tracing on',
    decision: 'acknowledged',
    why:
      'The one wildcard is the statement Lambda active tracing adds: `xray:PutTraceSegments` ' +
      'and `xray:PutTelemetryRecords`, which have no resource types in IAM, so `*` is their ' +
      'only resource. `test/infra/stack.test.ts` fails on any other wildcard.',
  },
  budgetTableRecovery: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-DDB3',
    asks: 'point-in-time recovery for DynamoDB tables',
    on: 'the shared budget table (rateBudget=shared)',
    decision: 'acknowledged',
    why:
      'The table holds one item: the start time of the next free request slot, which is ' +
      'worthless a second later. Nothing in it can be lost that matters, and a restored item ' +
      'would only hold a stale slot time. Containers recreate the item on their next claim if it ' +
      'is gone; point-in-time recovery would add cost and nothing to restore.',
  },
  tracing: {
    pack: 'Serverless',
    rule: 'Serverless-LambdaTracing',
    asks: 'Lambda active tracing (X-Ray)',
    on: 'both functions',
    decision: 'met',
    why:
      'Active tracing is on by default (`tracing`); see [Tracing](monitoring.md#tracing-aws-x-ray). A deployer ' +
      'who turns it off with `-c tracing=false` gets the finding acknowledged as that choice.',
  },
} as const satisfies Readonly<Record<string, RuleDecision>>;

/** Every decision, in the table's order: the lookups', then the file workflow's. */
export const RULE_DECISIONS = {
  ...LOOKUP_RULE_DECISIONS,
  ...FILE_WORKFLOW_RULE_DECISIONS,
} as const satisfies Readonly<Record<string, RuleDecision>>;

export type RuleDecisionName = keyof typeof RULE_DECISIONS;

/**
 * The acknowledgement id cdk-nag 3 findings are matched by, e.g. `AwsSolutions::AwsSolutions-SMG4`.
 * A rule may name resources by placeholder (`{filesBucket}`): `names` gives their logical ids.
 */
export function acknowledgementId(
  decision: Pick<RuleDecision, 'pack' | 'rule'>,
  names: Readonly<Record<string, string>> = {},
): string {
  // A placeholder without a name stays as it is (the docs' table shows it so).
  const rule = decision.rule.replace(
    /\{(\w+)\}/g,
    (placeholder, name: string) => names[name] ?? placeholder,
  );
  return `${decision.pack}::${rule}`;
}

/** Whether an acknowledged id is this decision's (any logical id in place of a placeholder). */
export function isAcknowledgementOf(
  decision: Pick<RuleDecision, 'pack' | 'rule'>,
  id: string,
): boolean {
  const parts = acknowledgementId(decision).split(/\{\w+\}/);
  const escaped = parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[A-Za-z0-9]+')}$`).test(id);
}

/** The page that holds the rule packs table, from the repository's root. */
export const RULE_TABLE_PAGE = 'docs/security.md';

const BEGIN = '<!-- rule packs table: generated from infra/rule-decisions.ts by `npm run docs` -->';
const END = '<!-- end of rule packs table -->';

/** A table cell: a `|` would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The table of the decisions, as docs/security.md shows it. */
export function ruleDecisionsTable(): string {
  const rows = Object.values(RULE_DECISIONS).map((entry: RuleDecision) =>
    [`\`${entry.rule}\` (${entry.pack})`, entry.asks, entry.on, entry.decision, entry.why]
      .map(cell)
      .join(' | '),
  );
  return [
    '| rule (pack) | asks for | where | decision | why it does not apply / how it is met |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The text between the table's markers, or null when a marker is missing. */
export function ruleTableBlock(page: string): string | null {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) return null;
  return page.slice(start + BEGIN.length, end).replace(/^\n|\n$/g, '');
}

/** The page with the rule packs table rewritten. */
export function withRuleDecisionsTable(page: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`${RULE_TABLE_PAGE} has no "${BEGIN}" … "${END}" markers`);
  }
  return `${page.slice(0, start + BEGIN.length)}\n${ruleDecisionsTable()}\n${page.slice(end)}`;
}
