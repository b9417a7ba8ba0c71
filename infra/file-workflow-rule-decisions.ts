/**
 * The bulk file workflow's answers to AWS's rule packs (infra/file-workflow.ts: bucket, state
 * machine, trigger, its three functions), finding by finding. Part of the one table of
 * infra/rule-decisions.ts, which lists them after the lookups' decisions.
 */

import type { RuleDecision } from './rule-decisions.js';

export const FILE_WORKFLOW_RULE_DECISIONS = {
  fileStateMachineServiceActions: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'the file workflow’s state machine role',
    decision: 'acknowledged',
    why:
      'Two statements AWS documents with `*` as their only resource: CloudWatch Logs’ log ' +
      'delivery actions (`logs:CreateLogDelivery` … `logs:DescribeLogGroups`), which Step ' +
      'Functions logging needs, and, with tracing on, X-Ray’s trace upload and sampling actions. ' +
      'Everything else the role has names its ARN (`test/infra/file-workflow.test.ts`).',
  },
  filesInputPrefix: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::<{filesBucket}.Arn>/input/*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'the prepare function and the state machine (the ItemReader)',
    decision: 'acknowledged',
    why:
      'Uploads have any name under `input/`; the wildcard is the prefix, and the actions are ' +
      '`s3:GetObject` and `s3:GetObjectVersion` only (the run reads the version it pinned).',
  },
  filesRunsPrefix: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::<{filesBucket}.Arn>/runs/*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'the file batch and finish functions',
    decision: 'acknowledged',
    why:
      'Each run writes its parts under `runs/<execution name>/`, a name known only when the run ' +
      'starts. The batch function reads and writes there; the finish function only reads.',
  },
  filesOutputPrefix: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::<{filesBucket}.Arn>/output/*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'the file finish function',
    decision: 'acknowledged',
    why:
      'Results and summaries are named after the upload under `output/`; the finish function ' +
      'may write (`s3:PutObject`, `s3:AbortMultipartUpload`) there and nowhere else.',
  },
  fileChildExecutions: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{fileStateMachine}.Name>/*]',
    asks: 'no wildcard resource in IAM policies without evidence',
    on: 'the file workflow’s state machine role',
    decision: 'acknowledged',
    why:
      'The distributed map describes and stops its own child executions, whose names Step ' +
      'Functions makes up per map run (`<state machine>/<map run>:<child>`): the wildcard is ' +
      'the children of this state machine, as AWS’s policy for distributed maps writes it.',
  },
  filesAccessLogs: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-S1',
    asks: 'server access logging on the bucket',
    on: 'the files bucket',
    decision: 'acknowledged',
    why:
      'Who may read or write which prefix is fixed by the stack’s roles; every upload starts an ' +
      'execution that Step Functions records, with the object’s key and version, and every run ' +
      'writes its summary. Server access logs are best-effort, need a second bucket (which would ' +
      'have no access logs of its own) and would copy keys of users’ files into it. For an audit ' +
      'trail of object access, turn on CloudTrail data events for the bucket (an account decision).',
  },
  fileFunctionsDeadLetters: {
    pack: 'Serverless',
    rule: 'Serverless-LambdaDLQ',
    asks: 'a dead-letter target for the function',
    on: 'the file workflow’s prepare, batch and finish functions',
    decision: 'acknowledged',
    why:
      'The state machine invokes them synchronously: a failure returns to it, which retries ' +
      '(a batch with the plan’s backoff), then catches it, writes the error summary and fails ' +
      'the run (with an alarm). A dead-letter target receives failed asynchronous invocations ' +
      'only, and there are none.',
  },
  uploadRuleDeadLetters: {
    pack: 'Serverless',
    rule: 'Serverless-EventBusDLQ',
    asks: 'a dead-letter queue for the EventBridge target',
    on: 'the rule that starts a file run for every upload',
    decision: 'acknowledged',
    why:
      'EventBridge retries a StartExecution that fails for 24 hours. An upload it still could ' +
      'not start stays under `input/` and shows in the rule’s FailedInvocations metric, which ' +
      'has an alarm; upload it again (or start an execution with its bucket, key and version) ' +
      'to run it. A queue of the lost events would need the same manual step.',
  },
  stateMachineTracing: {
    pack: 'AwsSolutions',
    rule: 'AwsSolutions-SF2',
    asks: 'X-Ray tracing on the state machine',
    on: 'the file workflow’s state machine',
    decision: 'met',
    why:
      'Traced with the functions (`tracing`, on by default); a deployer who turns it off with ' +
      '`-c tracing=false` gets the finding acknowledged as that choice.',
  },
  stateMachineXray: {
    pack: 'Serverless',
    rule: 'Serverless-StepFunctionStateMachineXray',
    asks: 'X-Ray tracing on the state machine',
    on: 'the file workflow’s state machine',
    decision: 'met',
    why:
      'Traced with the functions (`tracing`, on by default); a deployer who turns it off with ' +
      '`-c tracing=false` gets the finding acknowledged as that choice.',
  },
} as const satisfies Readonly<Record<string, RuleDecision>>;
