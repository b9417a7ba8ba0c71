import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { API_ROUTES, routeKey } from '../../functions/api/routes.js';
import { contactRow, errorRow, OUTPUT_COLUMNS } from '../../functions/lookup/row.js';
import { resourcesOfType, synthesize } from './stack-template.js';

const SPEC_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'functions',
  'api',
  'openapi.yaml',
);

interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  additionalProperties?: boolean;
}

interface Operation {
  security?: Record<string, unknown[]>[];
  parameters?: { $ref?: string; name?: string; in?: string }[];
  'x-amazon-apigateway-auth'?: { type: string };
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}

interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  security: Record<string, unknown[]>[];
  components: {
    parameters?: Record<string, unknown>;
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, Record<string, unknown>>;
    responses: Record<string, unknown>;
  };
}

const ERROR_STATUSES = ['400', '401', '403', '404', '413', '415', '429', '500', '502', '504'];

describe('functions/api/openapi.yaml', () => {
  let spec: Spec;
  beforeAll(() => {
    spec = parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  });

  const schema = (name: string): Schema => {
    const found = spec.components.schemas[name];
    if (found === undefined) throw new Error(`schema ${name} missing`);
    return found;
  };

  const operations = () =>
    Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );

  it('is OpenAPI 3.1', () => {
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('describes exactly the columns of the output row, in order, all required', () => {
    // Act
    const row = schema('ContactRow');
    // Assess
    expect(Object.keys(row.properties ?? {})).toEqual([...OUTPUT_COLUMNS]);
    expect(row.required).toEqual([...OUTPUT_COLUMNS]);
    expect(row.additionalProperties).toBe(false);
    expect(row.properties?.StatusCode?.type).toBe('integer'); // never null
    for (const column of OUTPUT_COLUMNS.filter((name) => name !== 'StatusCode')) {
      const property = row.properties?.[column] as Schema;
      const nullable = property.$ref !== undefined ? schema('Assignee').type : property.type;
      expect([column, nullable]).toEqual([column, expect.arrayContaining(['null'])]);
    }
  });

  it('describes the nested objects the mapping produces', () => {
    // Prepare
    const row = contactRow({
      id: 1,
      assignee: { id: 2, firstName: 'A', lastName: 'B', email: 'a@b.co' },
      custom_fields: [{ name: 'tier', value: 'gold' }],
    });
    // Assess
    expect(Object.keys(schema('Assignee').properties ?? {}).sort()).toEqual(
      Object.keys(row.Assignee ?? {}).sort(),
    );
    expect(Object.keys(schema('CustomField').properties ?? {}).sort()).toEqual(
      Object.keys(row.CustomFields?.[0] ?? {}).sort(),
    );
    expect(Object.keys(errorRow(404, 'Contact not found'))).toEqual(
      Object.keys(schema('ContactRow').properties ?? {}),
    );
  });

  it('has exactly the routes the stack creates', () => {
    // Act
    const routeKeys = resourcesOfType(synthesize(), 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => route.Properties.RouteKey,
    );
    // Assess
    const documented = operations()
      .map(({ key }) => key)
      .sort();
    expect(documented).toEqual(API_ROUTES.map(routeKey).sort());
    expect(documented).toEqual([...routeKeys].sort());
  });

  it('requires SigV4 on every operation', () => {
    // Assess
    expect(spec.components.securitySchemes.sigv4).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(spec.security).toEqual([{ sigv4: [] }]);
    for (const { operation } of operations()) {
      expect(operation.security).toEqual([{ sigv4: [] }]);
      expect(operation['x-amazon-apigateway-auth']).toEqual({ type: 'AWS_IAM' });
    }
  });

  it('documents the success and every error status for each operation', () => {
    for (const { key, operation } of operations()) {
      // Assess
      expect([key, Object.keys(operation.responses)]).toEqual([
        key,
        expect.arrayContaining(['200', ...ERROR_STATUSES, 'default']),
      ]);
      for (const response of Object.values(operation.responses)) {
        const ref = (response as { $ref: string }).$ref;
        expect(spec.components.responses[ref.replace('#/components/responses/', '')]).toBeDefined();
      }
    }
  });

  it('takes the input row as the POST body', () => {
    // Act
    const lookup = spec.paths['/contacts/lookup']?.post;
    // Assess
    expect(lookup?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/InputRow',
    });
    expect(schema('InputRow')).toMatchObject({
      type: 'object',
      required: ['Identifier'],
      properties: { Identifier: { $ref: '#/components/schemas/Identifier' } },
    });
  });

  it('documents Cache-Control and Pragma, the headers that ask for a fresh lookup, on every operation', () => {
    // Act
    const headers = operations().map(({ key, operation }) => [
      key,
      (operation.parameters ?? [])
        .map((parameter) => parameter.$ref)
        .filter((ref) => ref !== undefined),
    ]);
    const documented = (spec.components.parameters ?? {}) as Record<
      string,
      { name: string; in: string }
    >;
    // Assess
    expect(headers).toEqual(
      operations().map(({ key }) => [
        key,
        ['#/components/parameters/CacheControl', '#/components/parameters/Pragma'],
      ]),
    );
    expect([documented.CacheControl, documented.Pragma].map((p) => [p?.name, p?.in])).toEqual([
      ['Cache-Control', 'header'],
      ['Pragma', 'header'],
    ]);
  });
});
