/**
 * The CDK app: reads the context (cdk.json, `-c key=value`), validates it, and defines the stack.
 * Synthesis needs no AWS credentials: without CDK_DEFAULT_ACCOUNT/REGION (set by the CLI from
 * the current profile when there is one) the stack is environment-agnostic.
 *
 * Every synth runs AWS's rule packs (cdk-nag: AwsSolutions and Serverless, infra/rule-packs.ts),
 * so a deployer sees the findings `npm test` checks; an unacknowledged error stops the synth.
 */

import { App } from 'aws-cdk-lib';
import { ConnectorConfigError, readConnectorConfig } from './connector-config.js';
import { ConnectorStack } from './connector-stack.js';
import { addRulePacks } from './rule-packs.js';

const app = new App();
addRulePacks(app);
const contextValue = (key: string): unknown => app.node.tryGetContext(key);

try {
  const config = readConnectorConfig(contextValue);
  const stackName = String(contextValue('stackName') ?? 'RespondioGetContactConnector');
  new ConnectorStack(app, stackName, {
    config,
    description: 'respond.io Get Contact connector: HTTP API and SQS batch lookups',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  app.synth();
} catch (error) {
  if (error instanceof ConnectorConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
