/**
 * A local stand-in for AWS Secrets Manager: a node:http server speaking the AWS JSON 1.1
 * protocol for `GetSecretValue`, enough for the real SecretsManagerClient (point it here with
 * `endpoint` or AWS_ENDPOINT_URL_SECRETS_MANAGER; any region, dummy credentials). Signatures are
 * not checked. It never logs anything, least of all a secret's value.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody } from './listen.js';

export interface SecretsManagerStandIn {
  /** Endpoint URL, e.g. http://127.0.0.1:4566. */
  url: string;
  setSecret(id: string, value: string): void;
  deleteSecret(id: string): void;
  /** The next `count` requests fail: ThrottlingException (400) or InternalServiceError (500). */
  failNext(count: number, kind: 'throttling' | 'internal'): void;
  /** An outage: while on, every request fails with ServiceUnavailable (503). */
  setOutage(on: boolean): void;
  /** Requests failed by an outage so far. */
  outageRequests(): number;
  /** Requests received so far, on any operation. */
  requests(): number;
  close(): Promise<void>;
}

export interface SecretsManagerStandInOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Initial secrets by name. */
  secrets?: Record<string, string>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const AMZ_JSON = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 64 * 1024;

interface StoredSecret {
  value: string;
  versionId: string;
  createdDate: number;
}

/** A secret's ARN: the name plus a six-character suffix, as Secrets Manager makes them. */
function arnOf(name: string): string {
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) >>> 0;
  const suffix = hash.toString(36).padStart(6, '0').slice(-6);
  return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`;
}

function versionIdOf(counter: number): string {
  const hex = counter.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': AMZ_JSON,
    'Content-Length': String(Buffer.byteLength(text)),
    'x-amzn-RequestId': crypto.randomUUID(),
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  reply(res, status, { __type: type, message });
}

export async function startSecretsManagerStandIn(
  options: SecretsManagerStandInOptions = {},
): Promise<SecretsManagerStandIn> {
  const host = options.host ?? '127.0.0.1';
  const secrets = new Map<string, StoredSecret>();
  let versions = 0;
  let requestCount = 0;
  let outage = false;
  let outageCount = 0;
  let failures: { count: number; kind: 'throttling' | 'internal' } = {
    count: 0,
    kind: 'internal',
  };

  const setSecret = (name: string, value: string) => {
    versions += 1;
    secrets.set(name, {
      value,
      versionId: versionIdOf(versions),
      createdDate: Math.floor(Date.now() / 1000),
    });
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) setSecret(name, value);

  /** Finds a secret by name or by ARN. */
  const find = (secretId: string): [string, StoredSecret] | undefined => {
    const byName = secrets.get(secretId);
    if (byName) return [secretId, byName];
    for (const [name, secret] of secrets) if (arnOf(name) === secretId) return [name, secret];
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount += 1;
    const body = (await readBody(req, MAX_BODY_BYTES))?.toString('utf8');
    if (outage) {
      outageCount += 1;
      fail(res, 503, 'ServiceUnavailable', 'The service is unavailable.');
      return;
    }
    if (failures.count > 0) {
      failures.count -= 1;
      if (failures.kind === 'throttling') {
        fail(res, 400, 'ThrottlingException', 'Rate exceeded');
      } else {
        fail(res, 500, 'InternalServiceError', 'An error occurred on the server side.');
      }
      return;
    }
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
      const operation = typeof target === 'string' ? target.slice(0, 100) : '(none)';
      fail(res, 400, 'UnknownOperationException', `Operation ${operation} is not supported`);
      return;
    }
    let secretId: unknown;
    try {
      secretId = (JSON.parse(body ?? '') as { SecretId?: unknown }).SecretId;
    } catch {
      fail(res, 400, 'SerializationException', 'The request body is not valid JSON');
      return;
    }
    if (typeof secretId !== 'string' || secretId === '') {
      fail(res, 400, 'InvalidParameterException', 'SecretId is required');
      return;
    }
    const found = find(secretId);
    if (!found) {
      fail(
        res,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }
    const [name, secret] = found;
    reply(res, 200, {
      ARN: arnOf(name),
      Name: name,
      SecretString: secret.value,
      VersionId: secret.versionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdDate,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) fail(res, 500, 'InternalServiceError', 'Stand-in failure');
      else res.destroy();
    });
  });
  const { url: baseUrl } = await listen(server, host, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    setSecret,
    deleteSecret(name) {
      secrets.delete(name);
    },
    failNext(count, kind) {
      failures = { count: Math.max(0, Math.floor(count)), kind };
    },
    setOutage(on) {
      outage = on;
    },
    outageRequests: () => outageCount,
    requests: () => requestCount,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
