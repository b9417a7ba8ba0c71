/**
 * The output row (Respond.io - Get Contact Response, ver. 1.1.0) and the mapping from a
 * respond.io v2 contact body to it. Pure: no I/O, never throws on any input.
 */

import { isRecord } from './json.js';

interface Assignee {
  readonly id: number | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
}

interface CustomField {
  readonly name: string;
  readonly value: string | number | boolean | null;
}

/** One output row. Column names are the seed's PascalCase names, exactly. */
export interface ContactRow {
  readonly StatusCode: number;
  readonly Message: string | null;
  readonly ID: number | null;
  readonly Status: string | null;
  readonly Tags: readonly string[] | null;
  readonly Assignee: Assignee | null;
  /** ISO-8601 UTC date-time, converted from respond.io's Unix seconds. */
  readonly CreatedAt: string | null;
  readonly FirstName: string | null;
  readonly LastName: string | null;
  readonly Phone: string | null;
  readonly Email: string | null;
  readonly Language: string | null;
  readonly ProfilePictureUrl: string | null;
  readonly CountryCode: string | null;
  readonly CustomFields: readonly CustomField[] | null;
}

/** The output columns in the seed's order (for CSV headers and schema checks). */
export const OUTPUT_COLUMNS = [
  'StatusCode',
  'Message',
  'ID',
  'Status',
  'Tags',
  'Assignee',
  'CreatedAt',
  'FirstName',
  'LastName',
  'Phone',
  'Email',
  'Language',
  'ProfilePictureUrl',
  'CountryCode',
  'CustomFields',
] as const satisfies readonly (keyof ContactRow)[];

/** Longest Message kept in a row; longer upstream messages are cut. */
export const MAX_MESSAGE_LENGTH = 500;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function integer(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value.trim())) return Number(value);
  return null;
}

/** Unix seconds (number or numeric string) to ISO-8601 UTC; null when absent or outside years 0-9999. */
export function unixSecondsToIso(value: unknown): string | null {
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(seconds)) return null;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return null;
  // Years outside 0000-9999 come out as +YYYYYY / -YYYYYY, which is not an RFC 3339 date-time.
  const iso = date.toISOString();
  return /^\d{4}-/.test(iso) ? iso : null;
}

function tags(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(text).filter((tag): tag is string => tag !== null);
}

function assignee(value: unknown): Assignee | null {
  if (!isRecord(value)) return null;
  return {
    id: integer(value.id),
    firstName: text(value.firstName),
    lastName: text(value.lastName),
    email: text(value.email),
  };
}

function customFieldValue(value: unknown): CustomField['value'] {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

function customFields(value: unknown): CustomField[] | null {
  if (!Array.isArray(value)) return null;
  const fields: CustomField[] = [];
  for (const item of value) {
    if (isRecord(item) && typeof item.name === 'string') {
      fields.push({ name: item.name, value: customFieldValue(item.value) });
    }
  }
  return fields;
}

/** An error row: StatusCode and Message set, every data column null. */
export function errorRow(statusCode: number, message: string): ContactRow {
  const trimmed =
    message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
  return {
    StatusCode: statusCode,
    Message: trimmed,
    ID: null,
    Status: null,
    Tags: null,
    Assignee: null,
    CreatedAt: null,
    FirstName: null,
    LastName: null,
    Phone: null,
    Email: null,
    Language: null,
    ProfilePictureUrl: null,
    CountryCode: null,
    CustomFields: null,
  };
}

/** Why a 200 answer is not a contact (its row is a 502). */
export const NOT_A_CONTACT_MESSAGE = 'respond.io returned a response that is not a contact object';

/** A respond.io v2 contact body (a v1-style `{ data }` wrapper unwrapped) as a row; null: none. */
export function readContact(body: unknown): ContactRow | null {
  const contact = isRecord(body) && isRecord(body.data) && !('id' in body) ? body.data : body;
  if (!isRecord(contact)) return null;
  return {
    StatusCode: 200,
    Message: null,
    ID: integer(contact.id),
    Status: text(contact.status),
    Tags: tags(contact.tags),
    Assignee: assignee(contact.assignee),
    CreatedAt: unixSecondsToIso(contact.created_at ?? contact.createdAt),
    FirstName: text(contact.firstName),
    LastName: text(contact.lastName),
    Phone: text(contact.phone),
    Email: text(contact.email),
    Language: text(contact.language),
    ProfilePictureUrl: text(contact.profilePic),
    CountryCode: text(contact.countryCode),
    CustomFields: customFields(contact.custom_fields ?? contact.customFields),
  };
}

/** The row of a respond.io contact body: its success row, or a 502 error row when it is none. */
export function contactRow(body: unknown): ContactRow {
  return readContact(body) ?? errorRow(502, NOT_A_CONTACT_MESSAGE);
}

/** Messages for FailWithoutResponse (the API's answer, the file workflow's error rows): no detail. */
export function shortMessage(statusCode: number): string {
  if (statusCode === 400) return 'Bad request';
  if (statusCode === 404) return 'Not found';
  if (statusCode === 429) return 'Too many requests';
  if (statusCode >= 500) return 'Lookup failed';
  return 'Request failed';
}
