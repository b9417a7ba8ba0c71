/**
 * One Lambda function of the connector with the defaults every function shares: Node 24 on arm64,
 * a minified ESM bundle with source maps, an explicit log group with retention, X-Ray active
 * tracing when asked, and its own role that may write to that log group (and, traced, send
 * trace segments) and nothing else until the stack grants more.
 */

import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the bundle (parts of the AWS SDK
 * and its dependencies) calls it for Node built-ins. The banner gives the module one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __connectorCreateRequire } from 'node:module'; " +
  'const require = __connectorCreateRequire(import.meta.url);';

/**
 * How each function is bundled, as esbuild options. The stack's NodejsFunction bundling below is
 * written from these, and the benchmarks (bench/sections/cold-start.ts,
 * infra/scripts/measure-sdk-bundling.ts) bundle with them, so what is measured is what deploys.
 */
export const LAMBDA_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
} as const;

export interface ConnectorFunctionProps {
  /** The handler file (TypeScript), exporting `handler`. */
  readonly entry: string;
  /** The repository root: the bundling input and where package-lock.json lives. */
  readonly projectRoot: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** The function's environment (NODE_OPTIONS is added here). */
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
  readonly function: NodejsFunction;
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
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
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLE.target,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        banner: LAMBDA_BUNDLE.banner.js,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourcemap,
        sourcesContent: LAMBDA_BUNDLE.sourcesContent,
        // Decided by measurement (infra/scripts/measure-sdk-bundling.ts): the bundled, minified
        // SDK loads faster than the runtime's copy and pins the version the tests ran against.
        bundleAwsSDK: true,
        externalModules: [],
      },
    });
    // The log group must exist (with its retention) before the function can write to it.
    this.function.node.addDependency(this.logGroup);
  }
}
