import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
const rank: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * The Temporal SDK's log lines (worker, workflow and activity loggers) as pino JSON lines of the
 * worker's logger. Workflow and activity lines carry `workflowId`; a Flightdeck run id is its
 * workflow id, so each also gets `runId` (Temporal's own run id is kept as `temporalRunId`).
 */
export class PinoSdkLogger implements TemporalLogger {
  constructor(
    private readonly pino: Logger,
    private readonly minLevel: LogLevel,
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    if (rank[level] < rank[this.minLevel]) return;
    const { runId: temporalRunId, workflowRunId, ...rest } = meta as Record<string, unknown>;
    const fields: Record<string, unknown> = { ...rest };
    if (typeof rest.workflowId === 'string') fields.runId = rest.workflowId;
    if (temporalRunId ?? workflowRunId) fields.temporalRunId = temporalRunId ?? workflowRunId;
    this.pino[pinoLevel[level]](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
