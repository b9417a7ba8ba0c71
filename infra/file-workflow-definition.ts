/**
 * The file workflow's state machine definition (Amazon States Language through CDK), built from
 * the plan of functions/files/workflow.ts (batch size, batch bytes, concurrency, the retry of
 * a whole batch) so the local runner, which reads the same plan, cannot drift. The paths are the
 * field names of functions/files/steps.ts.
 *
 * Version given? → Prepare → Accepted? → Format? → a distributed map per format (the ItemReader
 * reads the pinned version of the upload; each child execution is one batch function task) →
 * Assemble → Rows failed? → Done. Every step's Catch goes to the failure report, which writes the
 * error summary; the run then fails with the report's Error and Cause.
 *
 * A little over ~250 lines: one definition, read top to bottom, with the two small classes
 * (the pinned ItemReader, the map that tolerates no failure) it needs.
 */

import { Aws, Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  CustomState,
  DistributedMap,
  Errors,
  Fail,
  type IChainable,
  type IItemReader,
  ItemBatcher,
  JsonPath,
  Pass,
  type QueryLanguage,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  FILE_ERRORS,
  type FileFormat,
  type FileWorkflowPlan,
} from '../functions/files/workflow.js';

/**
 * The map's ItemReader: the upload at the version prepare pinned (`VersionId`, which the
 * ItemReader's getObject takes; CDK's S3CsvItemReader and S3JsonLItemReader have no field for
 * it). It grants nothing itself: the state machine's role reads the input prefix only
 * (file-workflow.ts), where CDK's readers would grant the whole bucket.
 */
class PinnedUploadReader implements IItemReader {
  readonly resource = `arn:${Aws.PARTITION}:states:::s3:getObject`;

  constructor(
    readonly bucket: IBucket,
    private readonly format: FileFormat,
  ) {}

  render(): unknown {
    return {
      Resource: this.resource,
      ReaderConfig:
        this.format === 'csv'
          ? { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }
          : { InputType: 'JSONL' },
      Parameters: {
        Bucket: this.bucket.bucketName,
        'Key.$': '$.prepared.input.key',
        'VersionId.$': '$.prepared.input.versionId',
      },
    };
  }

  providePolicyStatements() {
    return [];
  }

  validateItemReader(): string[] {
    return [];
  }
}

/**
 * A distributed map that writes `ToleratedFailurePercentage: 0` (a batch that fails after its
 * retries fails the run): CDK leaves a 0 out, which means the same but hides the decision.
 */
class NoFailureToleratedMap extends DistributedMap {
  override toStateJson(queryLanguage?: QueryLanguage): object {
    return { ...super.toStateJson(queryLanguage), ToleratedFailurePercentage: 0 };
  }
}

export interface FileWorkflowSteps {
  readonly prepare: IFunction;
  readonly batch: IFunction;
  readonly finish: IFunction;
}

export interface FileWorkflowDefinitionProps {
  readonly bucket: IBucket;
  readonly functions: FileWorkflowSteps;
  readonly plan: FileWorkflowPlan;
  /** The batch function's timeout: the task's own timeout is a little longer (a backstop). */
  readonly batchTimeoutSeconds: number;
}

/** The Lambda service's transient errors: the prepare and finish tasks retry them. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The names of the states, in the order a run that succeeds passes them. */
export const FILE_STATES = {
  versionGiven: 'Version given?',
  currentVersion: 'Current version',
  prepare: 'Prepare',
  accepted: 'Accepted?',
  rejected: 'File rejected',
  format: 'Format?',
  csvRows: 'CSV rows',
  jsonlRows: 'JSON Lines rows',
  csvBatch: 'Look up a CSV batch',
  jsonlBatch: 'Look up a JSON Lines batch',
  assemble: 'Assemble',
  rowsFailedCheck: 'Rows failed?',
  done: 'Done',
  rowsFailed: 'Rows failed',
  reportFailure: 'Report failure',
  reportEarlyFailure: 'Report early failure',
  runFailed: 'Run failed',
  reportFailed: 'Failure not reported',
} as const;

export function fileWorkflowDefinition(
  scope: Construct,
  props: FileWorkflowDefinitionProps,
): IChainable {
  const { functions, plan } = props;
  const S = FILE_STATES;
  const lambdaTask = (
    id: string,
    fn: IFunction,
    payload: Record<string, unknown>,
    resultPath: string,
  ) => {
    const task = new LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath,
    });
    task.addRetry({
      errors: LAMBDA_TRANSIENT_ERRORS,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
    });
    return task;
  };
  const failure = { 'Error.$': '$.failure.Error', 'Cause.$': '$.failure.Cause' };
  const run = {
    'bucket.$': '$.bucket',
    'key.$': '$.key',
    'versionId.$': '$.versionId',
    'runId.$': '$$.Execution.Name',
    'startedAt.$': '$$.Execution.StartTime',
  };

  // The failure report: writes the error summary, then the run fails with its Error and Cause.
  const runFailed = new Fail(scope, S.runFailed, {
    errorPath: '$.reported.error',
    causePath: '$.reported.cause',
  });
  const reportFailed = new Fail(scope, S.reportFailed, {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const report = (id: string, known: boolean) => {
    const task = lambdaTask(
      id,
      functions.finish,
      { step: 'fail', ...run, ...(known ? { 'prepared.$': '$.prepared' } : {}), failure },
      '$.reported',
    );
    task.addCatch(reportFailed, { errors: [Errors.ALL], resultPath: '$.reportError' });
    task.next(runFailed);
    return task;
  };
  const reportFailure = report(S.reportFailure, true);
  const reportEarlyFailure = report(S.reportEarlyFailure, false);
  const catchInto = { errors: [Errors.ALL], resultPath: '$.failure' };

  // The upload's version: the rule always passes one; a hand-started run may leave it out.
  const prepare = lambdaTask(S.prepare, functions.prepare, run, '$.prepared');
  prepare.addCatch(reportEarlyFailure, catchInto);
  const versionGiven = new Choice(scope, S.versionGiven)
    .when(Condition.isPresent('$.versionId'), prepare)
    .otherwise(
      // `versionId: null` (prepare reads the current version); CDK's Pass cannot write a null.
      new CustomState(scope, S.currentVersion, {
        stateJson: { Type: 'Pass', Result: null, ResultPath: '$.versionId' },
      }).next(prepare),
    );

  const assemble = lambdaTask(
    S.assemble,
    functions.finish,
    { step: 'assemble', 'prepared.$': '$.prepared' },
    '$.assembled',
  );
  assemble.addCatch(reportFailure, catchInto);

  const rowsMap = (id: string, batchId: string, format: FileFormat) => {
    const batch = new LambdaInvoke(scope, batchId, {
      lambdaFunction: functions.batch,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(Duration.seconds(props.batchTimeoutSeconds + 60)),
    });
    // A whole-batch fault (a crash, a timeout, BatchUnfinished, Lambda's own errors) is tried
    // again with the plan's backoff; the batch keeps its done rows (functions/files/batch.ts).
    batch.addRetry({
      errors: [Errors.ALL],
      interval: Duration.seconds(plan.retry.intervalSeconds),
      backoffRate: plan.retry.backoffRate,
      maxAttempts: plan.retry.maxAttempts,
      maxDelay: Duration.seconds(plan.retry.maxDelaySeconds),
    });
    const map = new NoFailureToleratedMap(scope, id, {
      itemReader: new PinnedUploadReader(props.bucket, format),
      itemSelector: {
        index: JsonPath.numberAt('$$.Map.Item.Index'),
        row: JsonPath.objectAt('$$.Map.Item.Value'),
      },
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: plan.batchSize,
        maxInputBytesPerBatch: plan.maxBatchBytes,
        batchInput: {
          'runId.$': '$.prepared.runId',
          'format.$': '$.prepared.format',
          'columns.$': '$.prepared.columns',
          'partsPrefix.$': '$.prepared.partsPrefix',
        },
      }),
      maxConcurrency: plan.maxConcurrency,
      // Standard children: a batch may take up to fileBatchTimeoutSeconds (900 s at most) and its
      // retries wait up to plan.retry.maxDelaySeconds, all inside the child execution; Express
      // children end at 5 minutes. Standard children also run exactly once, and the Map Run view
      // shows each one's history.
      mapExecutionType: StateMachineType.STANDARD,
      label: format === 'csv' ? 'CsvRows' : 'JsonLinesRows',
      // The results are the parts in S3; the map's own output is not kept.
      resultPath: JsonPath.DISCARD,
    });
    map.itemProcessor(batch);
    map.addCatch(reportFailure, catchInto);
    return map.next(assemble);
  };

  const rowsFailed = new Fail(scope, S.rowsFailed, {
    error: FILE_ERRORS.rowsFailed,
    causePath: '$.assembled.cause',
  });
  assemble.next(
    new Choice(scope, S.rowsFailedCheck)
      .when(Condition.booleanEquals('$.assembled.failed', true), rowsFailed)
      .otherwise(new Succeed(scope, S.done)),
  );

  const rejected = new Pass(scope, S.rejected, {
    parameters: { 'Error.$': '$.prepared.error', 'Cause.$': '$.prepared.cause' },
    resultPath: '$.failure',
  }).next(reportFailure);
  prepare.next(
    new Choice(scope, S.accepted)
      .when(
        Condition.booleanEquals('$.prepared.accepted', true),
        new Choice(scope, S.format)
          .when(
            Condition.stringEquals('$.prepared.format', 'csv'),
            rowsMap(S.csvRows, S.csvBatch, 'csv'),
          )
          .otherwise(rowsMap(S.jsonlRows, S.jsonlBatch, 'jsonl')),
      )
      .otherwise(rejected),
  );
  return versionGiven;
}
