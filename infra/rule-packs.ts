/**
 * AWS's rule packs for CDK on the connector: cdk-nag 3's AwsSolutions and Serverless packs,
 * registered as validation plugins of the app (every `cdk synth` runs them, infra/app.ts; so
 * does `npm test`, test/infra/rule-packs.test.ts), and the acknowledgements of the findings that
 * do not apply, which each feature places on its own constructs with the reasons of
 * infra/rule-decisions.ts. An unacknowledged error stops the synth.
 */

import { type CfnElement, Stack, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { acknowledgementId, RULE_DECISIONS, type RuleDecision } from './rule-decisions.js';

/** Runs both packs on every stack of `app` when it synthesizes. */
export function addRulePacks(app: Stage): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/** Acknowledges, on `construct`, the finding `decision` is about, with its reason. */
export function acknowledge(
  construct: IConstruct,
  decision: RuleDecision,
  reason = decision.why,
): void {
  Validations.of(construct).acknowledge({ id: acknowledgementId(decision), reason });
}

/** A function as the findings name it (connector-function.ts). */
export interface FunctionTargets {
  readonly function: IConstruct;
  readonly role: IConstruct;
}

/** The reason for the tracing finding when the deployer turned tracing off. */
const TRACING_OFF = 'Turned off by the deployer: tracing=false';

/**
 * A function's findings: its dead-letter target (`deadLetters` says why it has none), and with
 * tracing the X-Ray upload wildcard on its role; without tracing, the tracing finding as the
 * deployer's choice.
 */
export function acknowledgeFunctionFindings(
  fn: FunctionTargets,
  deadLetters: RuleDecision,
  tracing: boolean,
): void {
  acknowledge(fn.function, deadLetters);
  if (tracing) acknowledge(fn.role, RULE_DECISIONS.xrayUpload);
  else acknowledge(fn.function, RULE_DECISIONS.tracing, TRACING_OFF);
}

/** The file workflow's constructs its findings are about (file-workflow.ts). */
export interface FileWorkflowTargets {
  readonly bucket: { readonly bucket: IConstruct };
  readonly stateMachine: IConstruct;
  /** Everything the state machine's role may do. */
  readonly stateMachinePolicy: IConstruct;
  readonly trigger: IConstruct;
  readonly prepareFunction: FunctionTargets;
  readonly batchFunction: FunctionTargets;
  readonly finishFunction: FunctionTargets;
}

/**
 * Acknowledges, on its constructs, each finding of the file workflow that does not apply. Its
 * prefix and child-execution wildcards name the bucket and the state machine by logical id.
 */
export function acknowledgeFileWorkflowFindings(
  workflow: FileWorkflowTargets,
  tracing: boolean,
): void {
  const decisions = RULE_DECISIONS;
  const stack = Stack.of(workflow.stateMachine);
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
    acknowledgeFunctionFindings(fn, decisions.fileFunctionsDeadLetters, tracing);
  }
  if (!tracing) {
    acknowledge(workflow.stateMachine, decisions.stateMachineTracing);
    acknowledge(workflow.stateMachine, decisions.stateMachineXray);
  }
}
