import pino, { type Logger } from 'pino';

/** One JSON logger per process, named so interleaved `npm start` output says who spoke. */
export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { process: name } });
}
export type { Logger };
