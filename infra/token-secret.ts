/**
 * The respond.io token secret: an existing one by complete ARN or by name, or one the stack
 * creates empty for the deployer to fill. Built in the stack's own scope (logical id kept).
 */

import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { type CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ConnectorConfig } from './connector-config.js';

/** The secret, and the id the functions read it by (RESPONDIO_TOKEN_SECRET_ID). */
export function tokenSecretFrom(
  stack: Stack,
  config: ConnectorConfig,
): { secret: ISecret; secretId: string } {
  const source = config.tokenSecret;
  switch (source.kind) {
    case 'arn': {
      const secret = Secret.fromSecretCompleteArn(stack, 'TokenSecret', source.arn);
      return { secret, secretId: source.arn };
    }
    case 'name': {
      const secret = Secret.fromSecretNameV2(stack, 'TokenSecret', source.name);
      return { secret, secretId: source.name };
    }
    case 'create': {
      const secret = new Secret(stack, 'TokenSecret', {
        description:
          'respond.io Developer API token for the Get Contact connector. Fill it with: ' +
          'aws secretsmanager put-secret-value --secret-id <TokenSecretArn> --secret-string <token>',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Created empty (no generated value): until it is filled, lookups answer a clear
      // StatusCode 500 row instead of sending a random string to respond.io.
      (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
      return { secret, secretId: secret.secretArn };
    }
  }
}
