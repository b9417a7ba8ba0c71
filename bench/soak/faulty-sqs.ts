/**
 * SendMessageBatch faults for the soak: an SQS client middleware that, with seeded decisions,
 * fails a fraction of the entries of each SendMessageBatch call (`Failed` entries with
 * SenderFault false, as SQS reports an internal error), fails whole calls before they are sent,
 * or sends a call and then loses its answer (the caller sees an error although the messages were
 * written, so its retry writes them twice). Other commands pass through untouched.
 */

import type { SQSClient } from '@aws-sdk/client-sqs';
import { seededRandom } from '../../local/seeded-random.js';

export interface SendBatchFaultRates {
  /** Probability that an entry of a call comes back in `Failed` (not sent). */
  readonly entryFailure: number;
  /** Probability that a whole call fails with a server error before anything is sent. */
  readonly callFailure: number;
  /** Probability that a call is sent but its answer is lost (an error after the write). */
  readonly answerLost: number;
}

export interface SendBatchFaultCounts {
  /** SendMessageBatch calls seen. */
  calls: number;
  /** Entries reported `Failed` although they were not sent. */
  failedEntries: number;
  /** Calls failed before sending. */
  failedCalls: number;
  /** Calls sent whose answer was replaced by an error. */
  lostAnswers: number;
}

export interface SendBatchFaults {
  counts(): SendBatchFaultCounts;
}

const MIDDLEWARE_NAME = 'soakSendMessageBatchFaults';

class InjectedSqsServerError extends Error {
  override readonly name = 'InternalError';
  readonly $fault = 'server';
  readonly $metadata = { httpStatusCode: 500 };
}

/** Adds the fault middleware to `client` (its SendMessageBatch calls only). */
export function injectSendBatchFaults(
  client: SQSClient,
  seed: number,
  rates: SendBatchFaultRates,
): SendBatchFaults {
  // Call decisions depend on the call count only, entry decisions on the entry count only.
  const callRandom = seededRandom(seed);
  const entryRandom = seededRandom(seed + 500);
  const counts: SendBatchFaultCounts = {
    calls: 0,
    failedEntries: 0,
    failedCalls: 0,
    lostAnswers: 0,
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Entries?: { Id?: string }[] };
      if (context.commandName !== 'SendMessageBatchCommand' || !Array.isArray(input.Entries)) {
        return next(args);
      }
      counts.calls += 1;
      const callDraw = callRandom();
      const answerDraw = callRandom();
      const entryDraws = input.Entries.map(() => entryRandom());
      if (callDraw < rates.callFailure) {
        counts.failedCalls += 1;
        throw new InjectedSqsServerError('Injected: SendMessageBatch failed (soak)');
      }
      const dropped = input.Entries.filter((_, index) => {
        return (entryDraws[index] as number) < rates.entryFailure;
      });
      const kept = input.Entries.filter((entry) => !dropped.includes(entry));
      counts.failedEntries += dropped.length;
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, Entries: kept } as typeof args.input })
          : { output: { $metadata: {}, Successful: [], Failed: [] }, response: {} };
      if (kept.length > 0 && answerDraw < rates.answerLost) {
        counts.lostAnswers += 1;
        throw new InjectedSqsServerError('Injected: SendMessageBatch answer lost (soak)');
      }
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [
        ...(output.Failed ?? []),
        ...dropped.map((entry) => ({
          Id: entry.Id,
          SenderFault: false,
          Code: 'InternalError',
          Message: 'Injected entry failure (soak)',
        })),
      ];
      return result;
    },
    { step: 'initialize', name: MIDDLEWARE_NAME },
  );
  return { counts: () => ({ ...counts }) };
}
