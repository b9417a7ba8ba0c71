/**
 * The respond.io token secret: an existing one by complete ARN or by name, or one the stack
 * creates empty for the deployer to fill; the id the functions read it by; its output
 * (TokenSecretArn). A stack part (connector-stack.ts): built in the stack's own scope, so the
 * secret keeps its logical id.
 */

import { CfnOutput, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ConnectorConfig } from './connector-config.js';
import { RULE_DECISIONS } from './rule-decisions.js';
import { acknowledge } from './rule-packs.js';

export interface TokenSecretProps {
  readonly config: Pick<ConnectorConfig, 'tokenSecret'>;
}

export class TokenSecret {
  readonly secret: ISecret;
  /** What the functions read it by (RESPONDIO_TOKEN_SECRET_ID): an ARN or a name. */
  readonly secretId: string;

  constructor(stack: Stack, props: TokenSecretProps) {
    const source = props.config.tokenSecret;
    switch (source.kind) {
      case 'arn':
        this.secret = Secret.fromSecretCompleteArn(stack, 'TokenSecret', source.arn);
        this.secretId = source.arn;
        break;
      case 'name':
        this.secret = Secret.fromSecretNameV2(stack, 'TokenSecret', source.name);
        this.secretId = source.name;
        break;
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
        // The token is issued in the respond.io app: no rotation function can make one.
        acknowledge(secret, RULE_DECISIONS.tokenRotation);
        this.secret = secret;
        this.secretId = secret.secretArn;
        break;
      }
    }
    new CfnOutput(stack, 'TokenSecretArn', {
      value: this.secret.secretArn,
      description:
        source.kind === 'name'
          ? 'ARN pattern of the token secret (IAM resource); the functions use its name'
          : 'The respond.io token secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string <token>',
    });
  }

  /** Lets `grantee` read the token (and nothing else of Secrets Manager). */
  grantRead(grantee: IGrantable): void {
    this.secret.grantRead(grantee);
  }
}
