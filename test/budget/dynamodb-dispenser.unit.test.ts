/**
 * The DynamoDB slot dispenser where it differs from dynalite: DynamoDB returns the item with a
 * failed condition (ReturnValuesOnConditionCheckFailure), so a refusal needs no extra read.
 * The protocol itself is tested against dynalite (test/integration/dynamodb-slot-dispenser).
 */

import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoDbSlotDispenser } from '../../functions/budget/dynamodb-dispenser.js';

const dynamo = mockClient(DynamoDBClient);

function failedCondition(item: Record<string, { N: string }>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: item,
  });
}

function dispenser() {
  return createDynamoDbSlotDispenser({
    tableName: 'budget',
    timeoutMs: 100,
    client: new DynamoDBClient({ region: 'us-east-1' }),
  });
}

const claim = {
  now: 10_000,
  slots: 1,
  intervalMs: 21,
  latestStartAt: 10_010,
  idleGraceMs: 20,
  knownBusy: false,
  idleFirst: false,
  rateVersion: 0,
};

/** The rate an item without one holds: nothing learned, version 0. */
const UNLEARNED_RATE = { rate: 0, peak: 0, since: 0, cap: null, version: 0 };

describe('createDynamoDbSlotDispenser with the item returned on a failed condition', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('refuses after one write, from the returned item, without reading it', async () => {
    // Prepare
    dynamo.on(UpdateItemCommand).rejects(failedCondition({ nxt: { N: '10500' } }));
    // Act
    const answer = await dispenser().claim(claim);
    // Assess
    expect(answer).toEqual({
      kind: 'refused',
      next: 10_500,
      rate: UNLEARNED_RATE,
      writes: 1,
      reads: 0,
    });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(GetItemCommand)).toHaveLength(0);
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(input?.ConditionExpression).toBe(
      '(nxt BETWEEN :now AND :latest) AND attribute_not_exists(rv)',
    );
  });

  it('goes straight to the claim the returned item allows', async () => {
    // Prepare: the busy claim fails because the item is idle (its next slot long past).
    dynamo
      .on(UpdateItemCommand)
      .rejectsOnce(failedCondition({ nxt: { N: '9000' } }))
      .resolvesOnce({ Attributes: { nxt: { N: '10021' } } });
    // Act
    const answer = await dispenser().claim(claim);
    // Assess
    expect(answer).toEqual({
      kind: 'granted',
      firstSlotAt: 10_000,
      slots: 1,
      next: 10_021,
      rate: UNLEARNED_RATE,
      writes: 2,
      reads: 0,
    });
    const second = dynamo.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(second?.ConditionExpression).toBe(
      '(attribute_not_exists(nxt) OR nxt < :idleBefore) AND attribute_not_exists(rv)',
    );
    expect(second?.ExpressionAttributeValues?.[':idleBefore']).toEqual({ N: '9980' });
  });

  it('learns a standing resume time from the returned item', async () => {
    // Prepare
    dynamo
      .on(UpdateItemCommand)
      .rejects(failedCondition({ nxt: { N: '12300' }, resumeAt: { N: '12300' } }));
    // Act
    const answer = await dispenser().announceResume(10_000, 12_200);
    // Assess
    expect(answer).toEqual({
      kind: 'resume',
      resumeAt: 12_300,
      announced: false,
      writes: 1,
      reads: 0,
    });
  });
});
