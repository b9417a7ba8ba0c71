/**
 * What the file workflow's steps hand each other, types only: the state machine's paths
 * (infra/file-workflow-definition.ts) and the file functions are written against these names.
 */

import type { FileRowCounts } from './rows.js';
import type { RunInput } from './summary.js';
import type { FileFormat } from './workflow.js';

/** The execution's input: the uploaded object (the rule passes the event's bucket, key, version). */
export interface RunRequest {
  readonly bucket: string;
  readonly key: string;
  /** The version the upload created; absent or null: the current one. */
  readonly versionId?: string | null;
}

export interface PrepareEvent extends RunRequest {
  /** `$$.Execution.Name`. */
  readonly runId: string;
  /** `$$.Execution.StartTime` (ISO 8601). */
  readonly startedAt: string;
}

interface PreparedRun {
  readonly runId: string;
  readonly startedAt: string;
  readonly input: RunInput;
  readonly summary: string;
}

/** The prepare step's answer (`$.prepared`). */
export type Prepared =
  | (PreparedRun & {
      readonly accepted: true;
      readonly format: FileFormat;
      readonly rows: number;
      /** The CSV header; empty for JSON Lines. */
      readonly columns: readonly string[];
      readonly results: string;
      readonly partsPrefix: string;
    })
  | (PreparedRun & {
      readonly accepted: false;
      readonly error: string;
      readonly cause: string;
    });

/** One item of a batch: what the map's ItemSelector builds. */
export interface BatchItem {
  /** `$$.Map.Item.Index`: the row's index in the file. */
  readonly index: number;
  /** `$$.Map.Item.Value`: the row as the ItemReader read it. */
  readonly row: unknown;
}

/** What the map's ItemBatcher adds to every batch (BatchInput). */
export interface BatchContextInput {
  readonly runId: string;
  readonly format: FileFormat;
  readonly columns: readonly string[];
  readonly partsPrefix: string;
}

/** One child execution's input. */
export interface BatchEvent {
  readonly Items: readonly BatchItem[];
  readonly BatchInput: BatchContextInput;
}

/** The batch function's answer: small, since the map gathers one per child execution. */
export interface BatchDone {
  readonly rows: number;
}

export interface AssembleEvent {
  readonly step: 'assemble';
  readonly prepared: Prepared;
}

/** The assemble step's answer (`$.assembled`). */
export interface Assembled extends FileRowCounts {
  readonly results: string;
  readonly summary: string;
  /** True when rows failed and the error behavior fails the run for them. */
  readonly failed: boolean;
  readonly error?: string;
  readonly cause?: string;
}

/** What a Catch puts at `$.failure`. */
export interface CaughtFailure {
  readonly Error?: string;
  readonly Cause?: string;
}

export interface FailEvent extends PrepareEvent {
  readonly step: 'fail';
  readonly prepared?: Prepared;
  readonly failure: CaughtFailure;
}

/** The failure step's answer (`$.reported`): the Fail state's Error and Cause. */
export interface Reported {
  readonly error: string;
  readonly cause: string;
  readonly summary: string;
}
