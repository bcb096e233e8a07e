import { ApplicationFailure, type ActivityFailure } from '@temporalio/workflow';
import type { FailureInfo } from '../lib/events';
import { FailureType } from '../lib/failure-types';

/** A run ends early for a reason the log must name: a limit, the deadline, a failed step. */
export class RunStopped extends Error {
  constructor(readonly failure: FailureInfo & { step?: string }) {
    super(failure.message);
    this.name = 'RunStopped';
  }

  /** How a failed run ends its workflow: Failed in Temporal, with the reason the log recorded. */
  static asWorkflowFailure(failure: FailureInfo & { step?: string }): ApplicationFailure {
    return ApplicationFailure.create({ type: FailureType.RunFailed, message: failure.message, nonRetryable: true, details: [failure] });
  }
}

/** The error an activity ended with, as the log records it. */
export function failureOf(error: ActivityFailure): FailureInfo {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, errorClass: cause.type ?? 'ApplicationFailure', retryable: false };
  }
  return { message: cause?.message ?? error.message, errorClass: cause?.name ?? 'ActivityFailure', retryable: false };
}
