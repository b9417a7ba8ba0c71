/**
 * One Lambda function of the connector with the defaults every function shares: Node 24 on arm64,
 * its bundle from bundling.ts, an explicit log group with retention, X-Ray active tracing when
 * asked, and its own role that may write to that log group (and, traced, send trace segments) and
 * nothing else until the stack grants more.
 */

import { AssetHashType, BundlingOutput, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FunctionBundling, LAMBDA_NODE_OPTIONS } from './bundling.js';

export interface ConnectorFunctionProps {
  /** The handler file (TypeScript), exporting `handler`. */
  readonly entry: string;
  /** The repository root: the bundling input (its node_modules). */
  readonly projectRoot: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** The function's environment. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Lambda active tracing (X-Ray); the function's own spans need POWERTOOLS_TRACE_ENABLED=true
   * in its environment too.
   * @default false
   */
  readonly activeTracing?: boolean;
}

export class ConnectorFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ConnectorFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose statement allows
    // logs:CreateLogGroup/CreateLogStream/PutLogEvents on every resource.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new LambdaFunction(this, 'Function', {
      code: Code.fromAsset(props.projectRoot, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new FunctionBundling(props.entry, props.projectRoot),
          // Never run: local bundling always succeeds or fails the synth.
          image: Runtime.NODEJS_24_X.bundlingImage,
          outputType: BundlingOutput.NOT_ARCHIVED,
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.TEXT,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.activeTracing === true ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        ...props.environment,
        ...(LAMBDA_NODE_OPTIONS.length === 0
          ? {}
          : { NODE_OPTIONS: LAMBDA_NODE_OPTIONS.join(' ') }),
      },
    });
    // The log group must exist (with its retention) before the function can write to it.
    this.function.node.addDependency(this.logGroup);
  }
}
