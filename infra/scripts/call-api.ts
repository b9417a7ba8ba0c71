/**
 * Calls the deployed API with AWS Signature Version 4, using the standard AWS credential chain
 * (environment, profile/SSO via AWS_PROFILE, instance or container role).
 *
 *   npx tsx infra/scripts/call-api.ts <ApiUrl> <identifier>          # GET /contacts/{identifier}
 *   npx tsx infra/scripts/call-api.ts <ApiUrl> <identifier> --post   # POST /contacts/lookup
 *
 * Prints the HTTP status and the JSON body. The region is read from the URL
 * (`https://<id>.execute-api.<region>.amazonaws.com/`), else from AWS_REGION.
 */

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape SignatureV4 expects. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(
      typeof data === 'string'
        ? data
        : ArrayBuffer.isView(data)
          ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
          : Buffer.from(data),
    );
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.create();
  }
}

function usage(): never {
  console.error('usage: call-api.ts <ApiUrl> <identifier> [--post]');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const post = args.includes('--post');
  const [apiUrl, identifier] = args.filter((arg) => arg !== '--post');
  if (apiUrl === undefined || identifier === undefined) usage();

  const base = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  const region = /\.execute-api\.([a-z0-9-]+)\./.exec(base.hostname)?.[1] ?? process.env.AWS_REGION;
  if (region === undefined) throw new Error('cannot tell the region: set AWS_REGION');
  const url = post
    ? new URL('contacts/lookup', base)
    : new URL(`contacts/${encodeURIComponent(identifier)}`, base);
  const body = post ? JSON.stringify({ Identifier: identifier }) : undefined;

  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: post ? 'POST' : 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    headers: {
      host: url.hostname,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body,
  });
  const response = await fetch(url, {
    method: signed.method,
    headers: signed.headers,
    body,
  });
  const text = await response.text();
  console.log(`HTTP ${response.status}`);
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
  if (!response.ok) process.exitCode = 1;
}

await main();
