import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../local/secrets-manager-stand-in.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SECRET_VALUE = 'respondio-token-do-not-log';

function clientFor(standIn: SecretsManagerStandIn): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-key' },
    maxAttempts: 1,
  });
}

describe('Secrets Manager stand-in, through the real SecretsManagerClient', () => {
  let standIn: SecretsManagerStandIn;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    standIn = await startSecretsManagerStandIn({ secrets: { 'respondio/token': SECRET_VALUE } });
    client = clientFor(standIn);
  });

  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });

  it('returns the SecretString with name, ARN and version', async () => {
    // Act
    const output = await client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    // Assess
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output.SecretString).toBe(SECRET_VALUE);
    expect(output.Name).toBe('respondio/token');
    expect(output.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:respondio\/token-/);
    expect(output.VersionId).toEqual(expect.any(String));
    expect(output.CreatedDate).toBeInstanceOf(Date);
  });

  it('finds a secret by its ARN and serves a replaced value with a new version', async () => {
    // Prepare
    const first = await client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    standIn.setSecret('respondio/token', '{"token":"rotated"}');
    // Act
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: first.ARN }));
    standIn.setSecret('respondio/token', SECRET_VALUE);
    // Assess
    expect(byArn.SecretString).toBe('{"token":"rotated"}');
    expect(byArn.VersionId).not.toBe(first.VersionId);
  });

  it('throws ResourceNotFoundException for a missing or deleted secret', async () => {
    // Prepare
    standIn.setSecret('short-lived', 'value');
    standIn.deleteSecret('short-lived');
    // Act
    const missing = client.send(new GetSecretValueCommand({ SecretId: 'no/such/secret' }));
    const deleted = client.send(new GetSecretValueCommand({ SecretId: 'short-lived' }));
    // Assess
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(deleted).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails the next requests on demand with ThrottlingException or InternalServiceError', async () => {
    // Prepare
    standIn.failNext(1, 'throttling');
    // Act
    const throttled = client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    await expect(throttled).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    standIn.failNext(1, 'internal');
    const internal = client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    await expect(internal).rejects.toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
    const recovered = await client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    // Assess
    expect(recovered.SecretString).toBe(SECRET_VALUE);
  });

  it('fails every request during an outage with ServiceUnavailable, and counts them', async () => {
    // Prepare
    const before = standIn.outageRequests();
    standIn.setOutage(true);
    // Act
    const during = client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    await expect(during).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    standIn.setOutage(false);
    const after = await client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    // Assess
    expect(after.SecretString).toBe(SECRET_VALUE);
    expect(standIn.outageRequests() - before).toBe(1);
  });

  it('lets the SDK retry through an internal error when retries are allowed', async () => {
    // Prepare
    const retrying = new SecretsManagerClient({
      endpoint: standIn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-key' },
      maxAttempts: 3,
    });
    standIn.failNext(1, 'internal');
    const before = standIn.requests();
    // Act
    const output = await retrying.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    retrying.destroy();
    // Assess
    expect(output.SecretString).toBe(SECRET_VALUE);
    expect(standIn.requests() - before).toBe(2);
  });

  it('is reached by a default-configured client through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    // Prepare
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = standIn.url;
    const defaults = new SecretsManagerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-key' },
    });
    const before = standIn.requests();
    // Act
    try {
      const output = await defaults.send(
        new GetSecretValueCommand({ SecretId: 'respondio/token' }),
      );
      // Assess
      expect(output.SecretString).toBe(SECRET_VALUE);
      expect(standIn.requests() - before).toBe(1);
    } finally {
      defaults.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    }
  });

  it('answers UnknownOperationException for other operations and never logs', async () => {
    // Prepare
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      jest.spyOn(console, method),
    );
    const stdout = jest.spyOn(process.stdout, 'write');
    // Act
    const response = await fetch(standIn.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.ListSecrets',
      },
      body: '{}',
    });
    const body = (await response.json()) as { __type: string };
    await client.send(new GetSecretValueCommand({ SecretId: 'respondio/token' }));
    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(body.__type).toBe('UnknownOperationException');
    for (const spy of [...spies, stdout]) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });
});
