/**
 * The logical ids of the synthesized stack. CloudFormation knows a resource by its logical id,
 * which CDK derives from the construct path: a resource whose id changes is deployed as a new
 * one and the old one deleted (a queue with its messages, a table, a secret with its token).
 * The features build in the stack's scope (infra/connector-stack.ts) so that these stay; this
 * pins them for the default configuration.
 */

import { describe, expect, it } from '@jest/globals';
import { synthesize } from './stack-template.js';

const RESOURCE_IDS = [
  'ApiAccessLogGroupCEA70788',
  'ApiBudgetFallbackAlarmBD15E5A3',
  'ApiF70053CD',
  'ApiFunction685AAB5B',
  'ApiFunctionErrorsAlarm85C68B03',
  'ApiFunctionLogGroupB51C7C52',
  'ApiFunctionRole927806B9',
  'ApiFunctionRoleDefaultPolicyB6F07BFD',
  'ApiFunctionThrottlesAlarmA71BD647',
  'ApiGETcontactsidentifierF7F9FE6A',
  'ApiGETcontactsidentifierLookup711C9F24',
  'ApiGETcontactsidentifierLookupPermission8F062AC8',
  'ApiPOSTcontactslookup0DD0896D',
  'ApiPOSTcontactslookupLookupPermission1BA639AA',
  'ApiStage529D6240',
  'BudgetRateLowAlarmA8761E1C',
  'Dashboard7A714131',
  'DeadLetterQueue9F481546',
  'DeadLetterQueueNotEmptyAlarm1B24E47B',
  'DeadLetterQueuePolicyB1FB890C',
  'FileRunsAbortedAlarm9D3EEDE9',
  'FileRunsFailedAlarm37C68F40',
  'FileRunsNotStartedAlarmB35D924E',
  'FileRunsTimedOutAlarm589C0C8B',
  'FileWorkflowBatchFunction14754061',
  'FileWorkflowBatchFunctionLogGroup37187B3B',
  'FileWorkflowBatchFunctionRole291D3AD6',
  'FileWorkflowBatchFunctionRoleDefaultPolicy74B8949F',
  'FileWorkflowFilesBucket54EDCE03',
  'FileWorkflowFilesBucketPolicy65EAF791',
  'FileWorkflowFinishFunction3AA6AF2C',
  'FileWorkflowFinishFunctionLogGroupAAC88996',
  'FileWorkflowFinishFunctionRole08DF0413',
  'FileWorkflowFinishFunctionRoleDefaultPolicyF802832E',
  'FileWorkflowPrepareFunction9F6A4E99',
  'FileWorkflowPrepareFunctionLogGroup88166B82',
  'FileWorkflowPrepareFunctionRole97F23941',
  'FileWorkflowPrepareFunctionRoleDefaultPolicyC28E0CCE',
  'FileWorkflowStateMachine8B690936',
  'FileWorkflowStateMachineEventsRole1123C101',
  'FileWorkflowStateMachineEventsRoleDefaultPolicyF6D612EF',
  'FileWorkflowStateMachineLogGroup9709F7B8',
  'FileWorkflowStateMachinePolicy07677450',
  'FileWorkflowStateMachineRole5874570F',
  'FileWorkflowUploadRule2FD24366',
  'InputQueueFD90041C',
  'InputQueueOldestMessageAlarm79A2875B',
  'InputQueuePolicyE289BDAA',
  'RateBudgetTableBE970D6D',
  'ResultsQueue7CAAE423',
  'ResultsQueuePolicy09847F3E',
  'SqsBudgetFallbackAlarmCD8E5F7D',
  'SqsFunction4270106C',
  'SqsFunctionErrorsAlarmD9E5996E',
  'SqsFunctionLogGroupAC467018',
  'SqsFunctionRoleCE543DDD',
  'SqsFunctionRoleDefaultPolicyBE04B5AA',
  'SqsFunctionSqsEventSourceConnectorInputQueue2F9F6342D7D528AA',
  'SqsFunctionThrottlesAlarmCB8D8B78',
  'TokenSecret75569B26',
];

const OUTPUT_IDS = [
  'ApiFunctionName',
  'ApiUrl',
  'DashboardName',
  'DashboardUrl',
  'DeadLetterQueueUrl',
  'FileStateMachineArn',
  'FileStateMachineUrl',
  'FilesBucketName',
  'InputQueueUrl',
  'ResultsQueueUrl',
  'SqsFunctionName',
  'TokenSecretArn',
];

describe('the logical ids of the default stack', () => {
  const synthesized = synthesize();

  it('stay those of every resource deployed so far', () => {
    // Assess
    expect(Object.keys(synthesized.resources).sort()).toEqual(RESOURCE_IDS);
  });

  it('stay those of every output deployers and local/ read', () => {
    // Assess
    expect(Object.keys(synthesized.outputs).sort()).toEqual(OUTPUT_IDS);
  });
});
