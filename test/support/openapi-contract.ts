/**
 * Test support: functions/api/openapi.yaml as executable validators. The spec's schemas
 * (OpenAPI 3.1, i.e. JSON Schema 2020-12) are compiled with Ajv; references
 * `#/components/schemas/X` are resolved inside one registered document.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'functions',
  'api',
  'openapi.yaml',
);

const SPEC_ID = 'urn:connector:openapi';
const REF_PREFIX = '#/components/';

interface MediaType {
  readonly schema: unknown;
}
interface ResponseObject {
  readonly description: string;
  readonly content?: Readonly<Record<string, MediaType>>;
}
interface Operation {
  readonly responses: Readonly<Record<string, ResponseObject | { readonly $ref: string }>>;
  readonly requestBody?: { readonly content: Readonly<Record<string, MediaType>> };
}
export interface OpenApiSpec {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, unknown>>;
    readonly responses: Readonly<Record<string, ResponseObject>>;
  };
}

/** A documented response: which key of `responses` matched, its media type and validator. */
export interface DocumentedResponse {
  /** The status key that matched (`"404"`, or `"default"`). */
  readonly key: string;
  readonly mediaTypes: readonly string[];
  /** Problems of a body against the documented schema; empty when it conforms. */
  problems(body: unknown): string[];
}

export interface OpenApiContract {
  readonly spec: OpenApiSpec;
  /** The response documented for an operation and status; null if the operation does not exist. */
  response(method: string, path: string, status: number): DocumentedResponse | null;
  /** A validator for a named component schema. */
  schema(name: string): ValidateFunction;
}

/** Rewrites `#/components/...` references to point into the registered document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith(REF_PREFIX)
        ? [key, `${SPEC_ID}#/$defs/${inner.slice(REF_PREFIX.length).replace('schemas/', '')}`]
        : [key, rebase(inner)],
    ),
  );
}

// ajv-formats is CommonJS; under native ESM its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export function loadOpenApiContract(): OpenApiContract {
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as OpenApiSpec;
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
  });
  ajv.addKeyword('example');
  addFormats(ajv);
  ajv.addSchema({ $id: SPEC_ID, $defs: rebase(spec.components.schemas) as object });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: unknown) => {
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = ajv.compile(rebase(schema) as object);
      compiled.set(key, validate);
    }
    return validate;
  };
  const resolveResponse = (entry: ResponseObject | { $ref: string }): ResponseObject => {
    if (!('$ref' in entry)) return entry;
    const name = entry.$ref.replace('#/components/responses/', '');
    const found = spec.components.responses[name];
    if (found === undefined) throw new Error(`response ${entry.$ref} is not defined`);
    return found;
  };

  return {
    spec,
    response(method, path, status) {
      const operation = spec.paths[path]?.[method.toLowerCase()];
      if (operation === undefined) return null;
      const key = String(status) in operation.responses ? String(status) : 'default';
      const entry = operation.responses[key];
      if (entry === undefined) return null;
      const response = resolveResponse(entry);
      const content = response.content ?? {};
      return {
        key,
        mediaTypes: Object.keys(content),
        problems(body) {
          const media = content['application/json'];
          if (media === undefined) return ['no application/json schema documented'];
          const validate = compile(`${method} ${path} ${key}`, media.schema);
          return validate(body)
            ? []
            : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
        },
      };
    },
    schema(name) {
      return compile(`schema ${name}`, { $ref: `${REF_PREFIX}schemas/${name}` });
    },
  };
}
