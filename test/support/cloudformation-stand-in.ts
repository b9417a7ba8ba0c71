/**
 * Test support: a stand-in for CloudFormation's DescribeStacks on 127.0.0.1, speaking the AWS
 * query protocol the real @aws-sdk/client-cloudformation uses (a form-encoded POST, an XML
 * answer; an unknown stack is a 400 ValidationError, as CloudFormation answers it). It records
 * the actions it was asked for.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CloudFormationStandIn {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Stack name → its outputs (OutputKey → OutputValue). */
  readonly stacks: Map<string, Record<string, string>>;
  /** Every request: its Action and StackName. */
  readonly seen: { action: string | null; stackName: string | null }[];
  close(): Promise<void>;
}

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const xmlText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function describeStacksXml(name: string, outputs: Record<string, string>): string {
  const members = Object.entries(outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${xmlText(key)}</OutputKey><OutputValue>${xmlText(value)}</OutputValue></member>`,
    )
    .join('');
  return (
    `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member>` +
    `<StackName>${xmlText(name)}</StackName>` +
    `<StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${xmlText(name)}/1</StackId>` +
    '<CreationTime>2026-12-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>' +
    `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>` +
    '<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></DescribeStacksResponse>'
  );
}

function errorXml(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${xmlText(message)}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`
  );
}

export async function startCloudFormationStandIn(): Promise<CloudFormationStandIn> {
  const stacks = new Map<string, Record<string, string>>();
  const seen: CloudFormationStandIn['seen'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const action = form.get('Action');
      const stackName = form.get('StackName');
      seen.push({ action, stackName });
      const reply = (status: number, xml: string) => {
        response.writeHead(status, { 'content-type': 'text/xml' });
        response.end(xml);
      };
      if (action !== 'DescribeStacks') {
        reply(400, errorXml('InvalidAction', `The stand-in does not know ${action}`));
        return;
      }
      const outputs = stackName === null ? undefined : stacks.get(stackName);
      if (stackName === null || outputs === undefined) {
        reply(400, errorXml('ValidationError', `Stack with id ${stackName} does not exist`));
        return;
      }
      reply(200, describeStacksXml(stackName, outputs));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stacks,
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
