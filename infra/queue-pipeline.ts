/**
 * The queue pipeline: rows sent to the input queue, looked up in batches by the SQS function
 * (lookup-function.ts), answered on the results queue; rows that keep failing go to the
 * dead-letter queue, by the input queue's redrive policy or by the function with the reason.
 * With its event source mapping and outputs (the three queue URLs, SqsFunctionName). A stack
 * part (connector-stack.ts): built in the stack's own scope, so the resources keep their
 * logical ids.
 */

import { CfnOutput, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { SQS_SERVICE_NAME } from '../functions/settings/table.js';
import { inputVisibilityTimeoutSeconds } from './connector-config.js';
import type { ConnectorFunction } from './connector-function.js';
import { type LookupFeatureProps, lookupFunction } from './lookup-function.js';
import { rateBudget } from './rate-budget.js';
import { RULE_DECISIONS } from './rule-decisions.js';
import { acknowledge, acknowledgeFunctionFindings } from './rule-packs.js';

/** The same props as the lookup API: both features are built around a lookup function. */
export type QueuePipelineProps = LookupFeatureProps;

export class QueuePipeline {
  readonly inputQueue: Queue;
  readonly resultsQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly sqsFunction: ConnectorFunction;
  /** What feeds the input queue's batches to the SQS function. */
  readonly eventSourceMapping: EventSourceMapping;

  constructor(stack: Stack, props: QueuePipelineProps) {
    const { config } = props;

    // Queues: SQS-managed encryption at rest, TLS enforced by queue policy.
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    } as const;
    this.deadLetterQueue = new Queue(stack, 'DeadLetterQueue', {
      ...queueDefaults,
      // Longer than the input queue's: a redriven message keeps its original enqueue time.
      retentionPeriod: Duration.days(14),
    });
    this.inputQueue = new Queue(stack, 'InputQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(inputVisibilityTimeoutSeconds(config)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    this.resultsQueue = new Queue(stack, 'ResultsQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(4),
    });

    const budget = rateBudget(config);
    this.sqsFunction = lookupFunction(stack, 'SqsFunction', props, {
      description: 'respond.io Get Contact: SQS batch lookups',
      timeout: Duration.seconds(config.sqsTimeoutSeconds),
      passedThrough: config.passedThrough.sqs,
      share: { fraction: budget.sqsContainerShare, rps: budget.sqsContainerRps },
      serviceName: SQS_SERVICE_NAME,
      environment: {
        RESULTS_QUEUE_URL: this.resultsQueue.queueUrl,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      },
    });

    // Least privilege: read the one secret; send results and dead letters; claim budget slots;
    // consume input (the event source grants it).
    const role = this.sqsFunction.role;
    props.tokenSecret.grantRead(role);
    this.resultsQueue.grantSendMessages(role);
    this.deadLetterQueue.grantSendMessages(role);
    props.budgetTable?.grantClaims(role);
    this.sqsFunction.function.addEventSource(
      new SqsEventSource(this.inputQueue, {
        batchSize: config.batchSize,
        maxBatchingWindow:
          config.maxBatchingWindowSeconds > 0
            ? Duration.seconds(config.maxBatchingWindowSeconds)
            : undefined,
        // Bounds the containers that share the SQS part of the rate budget.
        maxConcurrency: config.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    const mapping = this.sqsFunction.function.node.children.find(
      (child): child is EventSourceMapping => child instanceof EventSourceMapping,
    );
    if (mapping === undefined) throw new Error('the SQS event source mapping is missing');
    this.eventSourceMapping = mapping;

    // AWS rule packs: the results queue is the user's, the dead-letter queue is the last stop,
    // and for an SQS source the input queue's redrive policy is the on-failure destination.
    acknowledge(this.resultsQueue, RULE_DECISIONS.resultsQueueDeadLetters);
    acknowledge(this.resultsQueue, RULE_DECISIONS.resultsQueueRedrive);
    acknowledge(this.deadLetterQueue, RULE_DECISIONS.deadLetterQueueRedrive);
    acknowledgeFunctionFindings(
      this.sqsFunction,
      RULE_DECISIONS.sqsFunctionDeadLetters,
      config.tracing,
    );
    acknowledge(this.eventSourceMapping, RULE_DECISIONS.eventSourceDestination);

    new CfnOutput(stack, 'InputQueueUrl', { value: this.inputQueue.queueUrl });
    new CfnOutput(stack, 'ResultsQueueUrl', { value: this.resultsQueue.queueUrl });
    new CfnOutput(stack, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(stack, 'SqsFunctionName', { value: this.sqsFunction.function.functionName });
  }
}
