/**
 * Test support: what a well-formed answer of the connector looks like, checked without trusting
 * the code under test. Returns the problems found (empty when well-formed), so property tests can
 * print the offending case.
 */

import { OUTPUT_COLUMNS } from '../../functions/lookup/row.js';

export type AnswerKind = 'row' | 'short';

/** Problems of an output row: the 15 columns in order, StatusCode an integer, the error rule. */
export function rowProblems(row: unknown): string[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row))
    return ['row is not an object'];
  const record = row as Record<string, unknown>;
  const problems: string[] = [];
  if (JSON.stringify(Object.keys(record)) !== JSON.stringify(OUTPUT_COLUMNS)) {
    problems.push(`columns are ${JSON.stringify(Object.keys(record))}`);
  }
  const status = record.StatusCode;
  if (!Number.isInteger(status)) problems.push(`StatusCode ${JSON.stringify(status)}`);
  if (status === 200) {
    if (record.Message !== null) problems.push('a 200 row has a Message');
  } else {
    if (typeof record.Message !== 'string' || record.Message === '') {
      problems.push('an error row has no Message');
    }
    for (const column of OUTPUT_COLUMNS.slice(2)) {
      if (record[column] !== null) problems.push(`error row has ${column} set`);
    }
  }
  return problems;
}

/** Problems of `{StatusCode, Message}`. */
function shortProblems(body: Record<string, unknown>, httpStatus: number): string[] {
  const problems: string[] = [];
  if (JSON.stringify(Object.keys(body)) !== '["StatusCode","Message"]') {
    problems.push(`keys are ${JSON.stringify(Object.keys(body))}`);
  }
  if (body.StatusCode !== httpStatus) problems.push('StatusCode differs from the HTTP status');
  if (typeof body.Message !== 'string' || body.Message === '') problems.push('no Message');
  return problems;
}

/**
 * Problems of an API function result: an integer HTTP status, JSON content type, and a body that
 * is either an output row (HTTP status = its StatusCode, or 200 under DoNotFailAndReturnResponse)
 * or `{StatusCode, Message}` with the HTTP status.
 */
export function apiAnswerProblems(result: unknown): {
  kind: AnswerKind | null;
  problems: string[];
} {
  if (typeof result !== 'object' || result === null) {
    return { kind: null, problems: ['result is not an object'] };
  }
  const { statusCode, headers, body } = result as {
    statusCode?: unknown;
    headers?: Record<string, unknown>;
    body?: unknown;
  };
  const problems: string[] = [];
  if (
    !Number.isInteger(statusCode) ||
    (statusCode as number) < 200 ||
    (statusCode as number) > 599
  ) {
    problems.push(`HTTP status ${JSON.stringify(statusCode)}`);
  }
  if (headers?.['content-type'] !== 'application/json') problems.push('content-type not JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(body));
  } catch {
    return { kind: null, problems: [...problems, 'body is not JSON'] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: null, problems: [...problems, 'body is not an object'] };
  }
  const record = parsed as Record<string, unknown>;
  if ('ID' in record) {
    const rowIssues = rowProblems(record);
    if (statusCode !== record.StatusCode && statusCode !== 200) {
      rowIssues.push('HTTP status is neither the row StatusCode nor 200');
    }
    return { kind: 'row', problems: [...problems, ...rowIssues] };
  }
  return { kind: 'short', problems: [...problems, ...shortProblems(record, statusCode as number)] };
}

/** Where `secret` occurs in `text`, with some context; null when it does not. */
export function secretLeak(text: string, secret: string): string | null {
  const at = text.indexOf(secret);
  return at < 0 ? null : text.slice(Math.max(0, at - 120), at + secret.length + 40);
}
