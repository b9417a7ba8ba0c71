/**
 * AWS's rule packs (cdk-nag 3: AwsSolutions and Serverless) on the synthesized stack, as every
 * `cdk synth` runs them: no finding, error or warning, may stay unacknowledged in any supported
 * configuration, each acknowledgement is one of infra/rule-decisions.ts and is still needed,
 * and the rule packs table of docs/security.md says what rule-decisions.ts says.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { readConnectorConfig } from '../../infra/connector-config.js';
import { ConnectorStack } from '../../infra/connector-stack.js';
import {
  acknowledgementId,
  isAcknowledgementOf,
  RULE_DECISIONS,
  RULE_TABLE_PAGE,
  type RuleDecision,
  ruleDecisionsTable,
  ruleTableBlock,
} from '../../infra/rule-decisions.js';
import { addRulePacks } from '../../infra/rule-packs.js';
import { STAND_IN_ENTRIES } from './stack-template.js';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly description: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

interface Suppressed extends Violation {
  readonly acknowledgedId: string;
  readonly reason: string;
}

interface PluginReport {
  readonly pluginName: string;
  readonly violations: readonly Violation[];
  readonly suppressedViolations?: readonly Suppressed[];
}

/** One line per finding and construct: what a failure message shows. */
interface Finding {
  readonly pack: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack with the packs (no bundling) and reads their validation report. */
function rulePackReport(context: Record<string, unknown>): {
  open: Finding[];
  acknowledged: (Finding & { id: string; reason: string })[];
} {
  const outdir = mkdtempSync(join(tmpdir(), 'connector-rule-packs-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  addRulePacks(app);
  new ConnectorStack(app, 'Connector', {
    config: readConnectorConfig((key) => context[key]),
    entries: STAND_IN_ENTRIES,
  });
  try {
    app.synth();
  } catch {
    // An unacknowledged error makes the synth throw; the report says which.
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: PluginReport[];
  };
  const findings = (pack: string, violation: Violation) =>
    violation.violatingConstructs.map((construct) => ({
      pack,
      rule: violation.ruleName,
      severity: violation.severity,
      path: construct.constructPath,
      description: violation.description,
    }));
  return {
    open: report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) => findings(plugin.pluginName, violation)),
    ),
    acknowledged: report.pluginReports.flatMap((plugin) =>
      (plugin.suppressedViolations ?? []).flatMap((violation) =>
        findings(plugin.pluginName, violation).map((finding) => ({
          ...finding,
          id: violation.acknowledgedId,
          reason: violation.reason,
        })),
      ),
    ),
  };
}

const describeFinding = (finding: Finding) =>
  `${finding.severity.toUpperCase()} ${finding.pack}::${finding.rule} at ${finding.path}: ${finding.description}`;

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:respondio/token-AbCdEf';
const CONFIGURATIONS: readonly [string, Record<string, unknown>][] = [
  ['the default configuration', {}],
  ['tracing off', { tracing: 'false' }],
  [
    'a JWT authorizer, an imported secret and an alarm topic',
    {
      apiAuth: 'jwt',
      jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
      jwtAudience: 'client-1',
      tokenSecretArn: SECRET_ARN,
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
    },
  ],
  ['a secret by name', { tokenSecretName: 'respondio/token' }],
];

describe('AWS rule packs on the synthesized stack', () => {
  const reports = new Map(CONFIGURATIONS.map(([name, context]) => [name, rulePackReport(context)]));

  it.each(CONFIGURATIONS)('leave no finding unacknowledged with %s', (name) => {
    // Act
    const report = reports.get(name);
    // Assess: the message lists every open finding, errors and warnings alike.
    expect(report?.open.map(describeFinding)).toEqual([]);
  });

  it('acknowledge only findings that rule-decisions.ts decides, with its reasons', () => {
    // Prepare: a decision's rule may name a resource by placeholder (its logical id).
    const decidedReasons = (id: string) =>
      Object.values(RULE_DECISIONS)
        .filter((decision: RuleDecision) => isAcknowledgementOf(decision, id))
        .map((decision) => decision.why);
    // Act
    const acknowledged = [...reports.values()].flatMap((report) => report.acknowledged);
    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const finding of acknowledged) {
      const reasons = decidedReasons(finding.id);
      expect([finding.id, reasons.length > 0]).toEqual([finding.id, true]);
      const tracingOff = finding.rule === 'Serverless-LambdaTracing';
      expect(tracingOff ? finding.reason : reasons).toEqual(
        tracingOff
          ? 'Turned off by the deployer: tracing=false'
          : expect.arrayContaining([finding.reason]),
      );
    }
  });

  it('acknowledge exactly these findings of the default stack, each on its own construct', () => {
    // Act
    const acknowledged = reports
      .get('the default configuration')
      ?.acknowledged.map((finding) => `${finding.id} at ${finding.path}`)
      .sort();
    // Assess
    expect(acknowledged).toEqual(
      [
        'AwsSolutions::AwsSolutions-DDB3 at Connector/RateBudget/Table/Resource',
        'AwsSolutions::AwsSolutions-SMG4 at Connector/TokenSecret/Resource',
        'AwsSolutions::AwsSolutions-SQS3 at Connector/ResultsQueue/Resource',
        'Serverless::Serverless-SQSRedrivePolicy at Connector/ResultsQueue/Resource',
        'Serverless::Serverless-SQSRedrivePolicy at Connector/DeadLetterQueue/Resource',
        'Serverless::Serverless-LambdaDLQ at Connector/ApiFunction/Function/Resource',
        'Serverless::Serverless-LambdaDLQ at Connector/SqsFunction/Function/Resource',
        // The mapping's id is the input queue's unique id.
        'Serverless::Serverless-LambdaEventSourceMappingDestination at Connector/SqsFunction/Function/SqsEventSource:ConnectorInputQueue2F9F6342/Resource',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*] at Connector/ApiFunction/Role/DefaultPolicy/Resource',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*] at Connector/SqsFunction/Role/DefaultPolicy/Resource',
        // The file workflow.
        'AwsSolutions::AwsSolutions-S1 at Connector/FileWorkflow/Files/Bucket/Resource',
        'Serverless::Serverless-EventBusDLQ at Connector/FileWorkflow/UploadRule/Resource',
        ...['Prepare', 'Batch', 'Finish'].flatMap((step) => [
          `Serverless::Serverless-LambdaDLQ at Connector/FileWorkflow/${step}Function/Function/Resource`,
          `AwsSolutions::AwsSolutions-IAM5[Resource::*] at Connector/FileWorkflow/${step}Function/Role/DefaultPolicy/Resource`,
        ]),
        ...[
          ['input', 'PrepareFunction/Role/DefaultPolicy'],
          ['input', 'StateMachinePolicy'],
          ['runs', 'BatchFunction/Role/DefaultPolicy'],
          ['runs', 'FinishFunction/Role/DefaultPolicy'],
          ['output', 'FinishFunction/Role/DefaultPolicy'],
        ].map(
          ([prefix, policy]) =>
            `AwsSolutions::AwsSolutions-IAM5[Resource::<FileWorkflowFilesBucket54EDCE03.Arn>/${prefix}/*] at Connector/FileWorkflow/${policy}/Resource`,
        ),
        'AwsSolutions::AwsSolutions-IAM5[Resource::*] at Connector/FileWorkflow/StateMachinePolicy/Resource',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<FileWorkflowStateMachine8B690936.Name>/*] at Connector/FileWorkflow/StateMachinePolicy/Resource',
      ].sort(),
    );
  });

  it('need every acknowledgement in some configuration (none is left over from a fixed finding)', () => {
    // Prepare
    const acknowledged = [...reports.values()].flatMap((report) =>
      report.acknowledged.map((finding) => finding.id),
    );
    // Assess
    const unused = Object.values(RULE_DECISIONS)
      .filter(
        (decision: RuleDecision) => !acknowledged.some((id) => isAcknowledgementOf(decision, id)),
      )
      .map((decision) => acknowledgementId(decision));
    expect(unused).toEqual([]);
  });

  it('meet active tracing by default: the finding appears only with tracing off', () => {
    // Act
    const tracingFindings = (name: string) =>
      [...(reports.get(name)?.acknowledged ?? []), ...(reports.get(name)?.open ?? [])].filter(
        (finding) => finding.rule === 'Serverless-LambdaTracing',
      );
    // Assess
    expect(tracingFindings('the default configuration')).toEqual([]);
    expect(
      tracingFindings('tracing off')
        .map((finding) => finding.path)
        .sort(),
    ).toEqual([
      'Connector/ApiFunction/Function/Resource',
      'Connector/FileWorkflow/BatchFunction/Function/Resource',
      'Connector/FileWorkflow/FinishFunction/Function/Resource',
      'Connector/FileWorkflow/PrepareFunction/Function/Resource',
      'Connector/SqsFunction/Function/Resource',
    ]);
  });
});

describe(RULE_TABLE_PAGE, () => {
  it('has the table of rule decisions that rule-decisions.ts writes (`npm run docs`)', () => {
    // Prepare
    const page = readFileSync(new URL(`../../${RULE_TABLE_PAGE}`, import.meta.url), 'utf8');
    // Assess
    expect(ruleTableBlock(page)).toBe(ruleDecisionsTable());
  });
});
