import { ApplicationFailure } from '@temporalio/common';
import {
  APICallError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  NoContentGeneratedError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from 'ai';
import { FailureType } from '../lib/failure-types';
import { clientError, failureForSdkError, failureForStatus, retryableError } from '../tools/tool-errors';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The retry decision for what a model call threw or streamed as an error, by the table HTTP tools
 * share (tools/tool-errors.ts): an answered status decides (429 and 503 honour Retry-After, 5xx back
 * off, other 4xx are final); a provider that sent what it should not is retried; a connection that
 * failed or broke mid-answer is a NetworkError, retried. The SDK's own retries are off (`maxRetries: 0`).
 */
export function failureForModelError(error: unknown, context: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (APICallError.isInstance(error)) {
    // A 2xx APICallError is a response whose body broke off or did not parse ("Failed to process successful response").
    if (error.statusCode !== undefined && error.statusCode >= 400) {
      const body = error.responseBody?.slice(0, 500) ?? '';
      return failureForStatus(
        error.statusCode,
        error.responseHeaders?.['retry-after'] ?? null,
        `${context}: provider answered ${error.statusCode}: ${body || error.message}`,
        {
          status: error.statusCode,
        },
      );
    }
    return retryableError(FailureType.NetworkError, `${context}: the answer broke off: ${messageOf(error.cause ?? error)}`);
  }
  if (InvalidPromptError.isInstance(error) || UnsupportedFunctionalityError.isInstance(error)) return clientError(`${context}: ${error.message}`);
  if (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  ) {
    return retryableError(FailureType.BadModelResponse, `${context}: the provider sent an unreadable answer: ${error.message}`);
  }
  return failureForSdkError(error, context) ?? retryableError(FailureType.NetworkError, `${context}: the answer broke off: ${messageOf(error)}`);
}
