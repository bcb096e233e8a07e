import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoSdkLogger } from './pino-sdk-logger';

/** A pino logger writing into an array, one parsed record per line. */
function capturingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { records, logger: pino({ level: 'trace', base: { process: 'worker' } }, destination) };
}

describe('PinoSdkLogger', () => {
  it('forwards calls made without the object (as the SDK makes them) as pino lines with runId and workflowId', () => {
    const { records, logger } = capturingLogger();
    const { warn, log } = new PinoSdkLogger(logger, 'WARN');
    const timestamp = Symbol.for('log_timestamp');
    warn('Activity failed', { workflowId: 'run_1', workflowRunId: 'temporal-run', attempt: 2, error: new Error('boom'), [timestamp]: 1n });
    log('ERROR', 'Workflow failed', { workflowId: 'run_2', runId: 'temporal-run-2', sdkComponent: 'workflow' });
    expect(records).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Activity failed',
        process: 'worker',
        runId: 'run_1',
        workflowId: 'run_1',
        temporalRunId: 'temporal-run',
        attempt: 2,
        err: expect.objectContaining({ message: 'boom', type: 'Error' }),
      }),
      expect.objectContaining({
        level: 50,
        msg: 'Workflow failed',
        runId: 'run_2',
        workflowId: 'run_2',
        temporalRunId: 'temporal-run-2',
        sdkComponent: 'workflow',
      }),
    ]);
    expect(records[0]).not.toHaveProperty('error');
    expect(records[0]).not.toHaveProperty('workflowRunId');
  });

  it('drops lines below its level and lines without a workflow keep no runId', () => {
    const { records, logger } = capturingLogger();
    const sdkLogger = new PinoSdkLogger(logger, 'WARN');
    sdkLogger.info('Worker state changed', { state: 'RUNNING' });
    sdkLogger.debug('Activity completed');
    sdkLogger.error('Worker failed', { taskQueue: 'flightdeck' });
    expect(records).toEqual([expect.objectContaining({ level: 50, msg: 'Worker failed', taskQueue: 'flightdeck' })]);
    expect(records[0]).not.toHaveProperty('runId');
  });
});
