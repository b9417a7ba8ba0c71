/**
 * The deployed mode of the batch command: the queues of a deployed connector stack, read from
 * its CloudFormation outputs (DescribeStacks), and the clients to reach them with the caller's
 * AWS credentials and region.
 */

import {
  CloudFormationClient,
  type CloudFormationClientConfig,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PipelineQueues } from './queue-pipeline.js';

/** The stack outputs that name the queues (infra/connector-stack.ts). */
export const QUEUE_OUTPUTS = {
  input: 'InputQueueUrl',
  results: 'ResultsQueueUrl',
  deadLetter: 'DeadLetterQueueUrl',
} as const satisfies Record<keyof PipelineQueues, string>;

/** The stack cannot be read, or is not a connector stack. */
export class StackQueuesError extends Error {
  override readonly name = 'StackQueuesError';
}

export interface StackQueuesOptions {
  readonly stackName: string;
  /** Default: the SDK's (AWS_REGION, the profile). */
  readonly region?: string;
  /** Default: CloudFormation's endpoint for the region (AWS_ENDPOINT_URL_CLOUDFORMATION works). */
  readonly cloudFormationEndpoint?: string;
  /** Default: the SDK's credential chain (environment, profile, SSO, ...). */
  readonly credentials?: CloudFormationClientConfig['credentials'];
}

export interface StackQueues {
  readonly queues: PipelineQueues;
  readonly region: string;
  /** For the queues: the same region and credentials, and the queues' own endpoint. */
  readonly client: SQSClient;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function stackQueues(options: StackQueuesOptions): Promise<StackQueues> {
  const { stackName } = options;
  const credentials = options.credentials === undefined ? {} : { credentials: options.credentials };
  const cloudFormation = new CloudFormationClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.cloudFormationEndpoint === undefined
      ? {}
      : { endpoint: options.cloudFormationEndpoint }),
    ...credentials,
    maxAttempts: 2,
  });
  try {
    let region: string;
    let outputs: Map<string, string>;
    try {
      region = await cloudFormation.config.region();
      const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
      const stack = answer.Stacks?.[0];
      outputs = new Map(
        (stack?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
      );
    } catch (error) {
      const missing = /does not exist/i.test(describe(error));
      throw new StackQueuesError(
        missing
          ? `No stack named ${JSON.stringify(stackName)} in this region: pass --region, or deploy it first (npx cdk deploy).`
          : `Cannot read the stack ${JSON.stringify(stackName)} (${describe(error)}). Check your AWS credentials and region: aws sts get-caller-identity.`,
      );
    }
    const missingOutputs = Object.values(QUEUE_OUTPUTS).filter((key) => !outputs.get(key));
    if (missingOutputs.length > 0) {
      throw new StackQueuesError(
        `The stack ${JSON.stringify(stackName)} has no output ${missingOutputs.join(', ')}: is it the connector's stack, and deployed completely?`,
      );
    }
    const queueUrl = (key: keyof PipelineQueues) => outputs.get(QUEUE_OUTPUTS[key]) as string;
    return {
      queues: {
        input: queueUrl('input'),
        results: queueUrl('results'),
        deadLetter: queueUrl('deadLetter'),
      },
      region,
      // The origin of the queues' URLs (one stack, one region: one origin), which is where the
      // SDK would send each request anyway; stated once, so that it need not warn on each.
      client: new SQSClient({
        region,
        endpoint: new URL(queueUrl('input')).origin,
        ...credentials,
      }),
    };
  } finally {
    cloudFormation.destroy();
  }
}
