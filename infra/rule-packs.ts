/**
 * AWS's rule packs for CDK on the connector: cdk-nag 3's AwsSolutions and Serverless packs,
 * registered as validation plugins of the app (every `cdk synth` runs them, infra/app.ts; so
 * does `npm test`, test/infra/rule-packs.test.ts), and the acknowledgements of the findings that
 * do not apply, placed on the constructs they are about with the reasons of
 * infra/rule-decisions.ts. An unacknowledged error stops the synth.
 */

import { type CfnElement, Stack, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { ConnectorConfig } from './connector-config.js';
import type { FileWorkflow } from './file-workflow.js';
import { acknowledgementId, RULE_DECISIONS, type RuleDecision } from './rule-decisions.js';

/** Runs both packs on every stack of `app` when it synthesizes. */
export function addRulePacks(app: Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/** The constructs the acknowledged findings are about. */
export interface RuleTargets {
  /** The secret the stack creates; null for an imported one (no finding then). */
  readonly createdTokenSecret: IConstruct | null;
  readonly resultsQueue: IConstruct;
  readonly deadLetterQueue: IConstruct;
  readonly apiFunction: { readonly function: IConstruct; readonly role: IConstruct };
  readonly sqsFunction: { readonly function: IConstruct; readonly role: IConstruct };
  readonly eventSourceMapping: IConstruct;
  /** The shared budget's table; null with rateBudget=static (no table, no finding). */
  readonly budgetTable: IConstruct | null;
}

function acknowledge(construct: IConstruct, decision: RuleDecision, reason = decision.why): void {
  Validations.of(construct).acknowledge({ id: acknowledgementId(decision), reason });
}

/** Acknowledges, on its construct, each finding that does not apply to this design. */
export function acknowledgeRuleFindings(targets: RuleTargets, config: ConnectorConfig): void {
  const decisions = RULE_DECISIONS;
  if (targets.createdTokenSecret !== null) {
    acknowledge(targets.createdTokenSecret, decisions.tokenRotation);
  }
  acknowledge(targets.resultsQueue, decisions.resultsQueueDeadLetters);
  acknowledge(targets.resultsQueue, decisions.resultsQueueRedrive);
  acknowledge(targets.deadLetterQueue, decisions.deadLetterQueueRedrive);
  acknowledge(targets.apiFunction.function, decisions.apiFunctionDeadLetters);
  acknowledge(targets.sqsFunction.function, decisions.sqsFunctionDeadLetters);
  acknowledge(targets.eventSourceMapping, decisions.eventSourceDestination);
  if (targets.budgetTable !== null) acknowledge(targets.budgetTable, decisions.budgetTableRecovery);
  for (const fn of [targets.apiFunction, targets.sqsFunction]) {
    if (config.tracing) acknowledge(fn.role, decisions.xrayUpload);
    else acknowledge(fn.function, decisions.tracing, 'Turned off by the deployer: tracing=false');
  }
}

/** Acknowledges, on its constructs, each finding of the file workflow that does not apply. */
export function acknowledgeFileWorkflowFindings(
  workflow: FileWorkflow,
  config: Pick<ConnectorConfig, 'tracing'>,
): void {
  const decisions = RULE_DECISIONS;
  const stack = Stack.of(workflow);
  const logicalIdOf = (construct: IConstruct) =>
    stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
  const names = {
    filesBucket: logicalIdOf(workflow.bucket.bucket),
    fileStateMachine: logicalIdOf(workflow.stateMachine),
  };
  const named = (construct: IConstruct, decision: RuleDecision) =>
    Validations.of(construct).acknowledge({
      id: acknowledgementId(decision, names),
      reason: decision.why,
    });
  const steps = [workflow.prepareFunction, workflow.batchFunction, workflow.finishFunction];
  const policy = workflow.stateMachinePolicy;

  acknowledge(workflow.bucket.bucket, decisions.filesAccessLogs);
  acknowledge(workflow.trigger, decisions.uploadRuleDeadLetters);
  acknowledge(policy, decisions.fileStateMachineServiceActions);
  named(policy, decisions.filesInputPrefix);
  named(policy, decisions.fileChildExecutions);
  named(workflow.prepareFunction.role, decisions.filesInputPrefix);
  named(workflow.batchFunction.role, decisions.filesRunsPrefix);
  named(workflow.finishFunction.role, decisions.filesRunsPrefix);
  named(workflow.finishFunction.role, decisions.filesOutputPrefix);
  for (const fn of steps) {
    acknowledge(fn.function, decisions.fileFunctionsDeadLetters);
    if (config.tracing) acknowledge(fn.role, decisions.xrayUpload);
    else acknowledge(fn.function, decisions.tracing, 'Turned off by the deployer: tracing=false');
  }
  if (!config.tracing) {
    acknowledge(workflow.stateMachine, decisions.stateMachineTracing);
    acknowledge(workflow.stateMachine, decisions.stateMachineXray);
  }
}
