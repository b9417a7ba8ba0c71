/**
 * The shape of one entry of the settings table, and the one loop that reads a table from the
 * environment or from the CDK context (the functions' loader and the stack's alike): a value is
 * trimmed, an empty one counts as unset, and every problem is collected before anything fails.
 */

import type { ValueReader } from './readers.js';

/**
 * Who reads a setting's environment variable; `stack` for a context key with no variable.
 * `functions`: every function (the API, SQS and file functions); `files`: the file workflow's.
 */
export type Part = 'api' | 'sqs' | 'files' | 'functions' | 'stack' | 'local';

/** A function of the connector, as the settings table names it when one requires a setting. */
export type FunctionName = 'api' | 'sqs' | 'file-batch' | 'file-steps';

/** The functions that cannot start without a setting, unless handed what replaces it. */
export interface Requirement {
  readonly by: readonly FunctionName[];
  /** The adapter a test or the local run may hand the function instead (its factory's option). */
  readonly unlessGiven: string;
  /** Only when the other settings call for it. Default: always. */
  readonly when?: (values: Readonly<Record<string, unknown>>) => boolean;
  /** What follows "X is required" in the error, e.g. "(the secret holding the token)". */
  readonly why?: (values: Readonly<Record<string, unknown>>) => string;
}

export interface Setting<T> {
  /** The environment variable; absent for a key only the stack reads. */
  readonly env?: string;
  /** The CDK context key; absent when a deployer does not set the value directly. */
  readonly context?: string;
  readonly readBy: Part;
  readonly read: ValueReader<T>;
  readonly default: T;
  /** The default as the docs' settings tables show it, where the value alone does not say it. */
  readonly defaultText?: string;
  /** What it does, for the settings tables of docs/ (links are relative to docs/). */
  readonly doc: string;
  /** For a variable the stack computes rather than passes through from context: from what. */
  readonly stackSets?: string;
  /** The functions that cannot start without it (its default is then null). */
  readonly required?: Requirement;
  /** Where the deployment reads the context key differently on purpose: how, and why. */
  readonly deployed?: {
    readonly read?: ValueReader<T>;
    readonly default?: T;
    readonly why: string;
  };
}

/** Declares one setting (the helper only infers the value type). */
export function setting<T>(declaration: Setting<T>): Setting<T> {
  return declaration;
}

export type SettingTable = Readonly<Record<string, Setting<unknown>>>;

export type ValuesOf<S extends SettingTable> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

type Source = 'environment' | 'context';

/** The name, reader and default of a setting as `source` reads it (no name: not read there). */
export function asReadFrom<T>(
  declared: Setting<T>,
  source: Source,
): { readonly name: string | undefined; readonly reader: ValueReader<T>; readonly fallback: T } {
  if (source === 'environment') {
    return { name: declared.env, reader: declared.read, fallback: declared.default };
  }
  const deployed = declared.deployed;
  return {
    name: declared.context,
    reader: deployed?.read ?? declared.read,
    fallback:
      deployed !== undefined && 'default' in deployed ? (deployed.default as T) : declared.default,
  };
}

/**
 * Reads every setting of `table` that `include` accepts from `source`; the others, and every
 * absent, empty or invalid value, get their default. `get` returns the raw value: an
 * environment string, or a context value (a `-c` string or any JSON value from cdk.json).
 */
export function readSettings<S extends SettingTable>(
  table: S,
  source: Source,
  get: (name: string) => unknown,
  include: (declared: Setting<unknown>) => boolean = () => true,
): { readonly values: ValuesOf<S>; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, declared] of Object.entries(table)) {
    const { name, reader, fallback } = asReadFrom(declared, source);
    values[key] = fallback;
    if (name === undefined || !include(declared)) continue;
    const raw = get(name);
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push(`${name} must be a single value, got ${JSON.stringify(raw)}`);
      continue;
    }
    const text = String(raw).trim();
    if (text === '') continue;
    const reading = reader.read(text, name);
    if (reading.ok) values[key] = reading.value;
    else problems.push(reading.problem);
  }
  return { values: values as ValuesOf<S>, problems };
}
