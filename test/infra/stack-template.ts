/**
 * Test helper: synthesizes the stack from a context object, fast (no bundling, no
 * CloudFormation validation), and gives typed access to the template's resources.
 */

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readConnectorConfig } from '../../infra/connector-config.js';
import { ConnectorStack } from '../../infra/connector-stack.js';

/** Bundling is skipped, so the entry's content never matters (synth.test.ts bundles the real ones). */
export const STAND_IN_ENTRY = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'handler.ts',
);

/** Every function of the stack built from the stand-in. */
export const STAND_IN_ENTRIES = {
  api: STAND_IN_ENTRY,
  sqs: STAND_IN_ENTRY,
  files: { prepare: STAND_IN_ENTRY, batch: STAND_IN_ENTRY, finish: STAND_IN_ENTRY },
} as const;

export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

export interface Synthesized {
  readonly stack: ConnectorStack;
  readonly template: Template;
  readonly resources: Record<string, Resource>;
  readonly outputs: Record<string, { readonly Value: unknown }>;
}

export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const config = readConnectorConfig((key) => context[key]);
  const stack = new ConnectorStack(app, 'Connector', {
    config,
    entries: STAND_IN_ENTRIES,
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  return { stack, template, resources: json.Resources, outputs: json.Outputs };
}

export function resourcesOfType(synthesized: Synthesized, type: string): [string, Resource][] {
  return Object.entries(synthesized.resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id of a construct's CloudFormation resource, e.g. `logicalId(stack.inputQueue)`. */
export function logicalId(
  synthesized: Synthesized,
  construct: { node: { defaultChild?: unknown } },
) {
  const child = construct.node.defaultChild as { logicalId: string } | undefined;
  if (child === undefined) throw new Error('construct has no CloudFormation resource');
  return synthesized.stack.resolve(child.logicalId) as string;
}
