/**
 * One input message as the batch reads it: a JSON object with an `Identifier`, its other fields
 * carried through to the result; anything else is a poison message (a final 400 row). Never
 * throws.
 */

import type { SQSRecord } from 'aws-lambda';
import { isRecord } from '../lookup/index.js';
import type { RecordFacts } from './settlement.js';

/** Largest input body accepted (UTF-8 bytes); bigger bodies are poison messages. */
const MAX_INPUT_BODY_BYTES = 64 * 1024;

type InputMessage =
  | {
      readonly ok: true;
      /** As sent: the lookup validates it. */
      readonly identifier: unknown;
      /** Every other field of the body. */
      readonly extras: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly message: string };

function poison(message: string): InputMessage {
  return { ok: false, message: `Invalid message: ${message}` };
}

function parseInputMessage(body: string): InputMessage {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_INPUT_BODY_BYTES) {
    return poison(`the body is ${bytes} bytes, more than the ${MAX_INPUT_BODY_BYTES} accepted`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return poison('the body is not JSON; expected {"Identifier": "..."}');
  }
  if (!isRecord(parsed)) {
    return poison('the body is not a JSON object; expected {"Identifier": "..."}');
  }
  const { Identifier: identifier, ...extras } = parsed as Record<string, unknown>;
  if (identifier === undefined) {
    return poison('the body has no Identifier field; expected {"Identifier": "..."}');
  }
  return { ok: true, identifier, extras };
}

/** ApproximateReceiveCount, 1 when it is missing or not a count. */
function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

/** One SQS record: its parsed body, and its facts for the settle step. */
export function readInputRecord(record: SQSRecord): {
  readonly input: InputMessage;
  readonly facts: RecordFacts;
} {
  const input = parseInputMessage(record.body ?? '');
  return {
    input,
    facts: {
      messageId: record.messageId,
      body: record.body ?? '',
      receiveCount: receiveCountOf(record),
      ...(record.eventSourceARN ? { sourceQueueArn: record.eventSourceARN } : {}),
      identifier: input.ok ? input.identifier : null,
    },
  };
}
