/**
 * The shared budget's DynamoDB table (rateBudget=shared): one item per organisation budget, on
 * demand (no capacity to plan), partition key only, TTL on the item's expiry, encrypted at rest
 * by DynamoDB's default, and destroyed with the stack like the queues (it holds no data worth
 * keeping; point-in-time recovery off, acknowledged to the rule packs). Each function's role may
 * update and read items of this one table, nothing else.
 */

import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  BUDGET_PARTITION_KEY,
  BUDGET_TABLE_ACTIONS,
  BUDGET_TTL_ATTRIBUTE,
} from '../functions/budget/budget-table.js';
import { RULE_DECISIONS } from './rule-decisions.js';
import { acknowledge } from './rule-packs.js';

export class RateBudgetTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: BUDGET_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: BUDGET_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // One slot time, worthless a second later: nothing for point-in-time recovery to restore.
    acknowledge(this.table, RULE_DECISIONS.budgetTableRecovery);
  }

  /** Lets `grantee` claim slots: UpdateItem and GetItem on this table's ARN only. */
  grantClaims(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...BUDGET_TABLE_ACTIONS], resources: [this.table.tableArn] }),
    );
  }
}
