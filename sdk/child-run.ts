/**
 * What `ctx.run(definition, input)` throws, for a definition to catch. Workflow-safe: bundled with
 * every definition, so `instanceof` holds across them.
 */
import type { FailureInfo } from '../lib/events';
import { FailureType } from '../lib/failure-types';

/**
 * The child could not start: its input does not fit the child's input schema, the definition is
 * not in this worker's bundle, or the spec cannot run (what a start through the API would refuse).
 * Thrown before anything starts: no child run exists. Uncaught, the parent fails with `InvalidInput`.
 */
export class ChildRunInputError extends Error {
  readonly errorClass = FailureType.InvalidInput;

  constructor(
    readonly definition: string,
    message: string,
  ) {
    super(`ctx.run("${definition}"): ${message}`);
    this.name = 'ChildRunInputError';
  }
}

/**
 * The child run ended without completing: it failed (its `run.failed` error), was cancelled or was
 * terminated on its own. Uncaught, the parent fails with `ChildRunFailed`, naming the child and its error.
 */
export class ChildRunFailed extends Error {
  /** The child's own error class (`DefinitionFailed`, `ToolFailed`, `Cancelled`, `Terminated`, …). */
  readonly errorClass: string;

  constructor(
    readonly childRunId: string,
    readonly definition: string,
    readonly step: string,
    readonly failure: FailureInfo,
  ) {
    super(`child run ${childRunId} ("${definition}") failed: ${failure.errorClass}: ${failure.message}`);
    this.name = 'ChildRunFailed';
    this.errorClass = failure.errorClass;
  }
}
