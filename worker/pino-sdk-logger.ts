import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};
const rank: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Pino fields of one SDK log line: a Flightdeck run id is its workflow id; Temporal's own run id is `temporalRunId`. */
export function sdkLogFields(meta: LogMetadata | undefined): Record<string, unknown> {
  // Object.entries skips the SDK's symbol-keyed timestamp; pino stamps its own time.
  const { runId: temporalRunId, workflowRunId, error, ...rest } = Object.fromEntries(Object.entries(meta ?? {}));
  const fields: Record<string, unknown> = { ...rest };
  if (typeof rest.workflowId === 'string') fields.runId = rest.workflowId;
  const temporalRun = temporalRunId ?? workflowRunId;
  if (temporalRun !== undefined) fields.temporalRunId = temporalRun;
  // pino serializes an Error (message, type, stack) only under `err`.
  if (error !== undefined) fields.err = error;
  return fields;
}

/**
 * The Temporal SDK's log lines (worker, workflow and activity loggers) as the worker's pino JSON lines.
 * The SDK keeps the logger and calls its methods from several places, not always on the object, so
 * every method is an arrow function bound to this instance; a line that cannot be written is dropped
 * rather than thrown into the SDK.
 */
export class PinoSdkLogger implements TemporalLogger {
  constructor(
    private readonly target: Logger,
    private readonly minLevel: LogLevel,
  ) {}

  readonly log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    if (rank[level] < rank[this.minLevel]) return;
    try {
      this.target[pinoLevel[level]](sdkLogFields(meta), message);
    } catch {
      // Logging must never fail a workflow activation or an activity.
    }
  };
  readonly trace = (message: string, meta?: LogMetadata): void => this.log('TRACE', message, meta);
  readonly debug = (message: string, meta?: LogMetadata): void => this.log('DEBUG', message, meta);
  readonly info = (message: string, meta?: LogMetadata): void => this.log('INFO', message, meta);
  readonly warn = (message: string, meta?: LogMetadata): void => this.log('WARN', message, meta);
  readonly error = (message: string, meta?: LogMetadata): void => this.log('ERROR', message, meta);
}
