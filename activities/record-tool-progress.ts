import type { Info } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ExecuteToolInput } from '../lib/workflow-contract';
import type { ToolProgress } from '../tools/tool';
import { appendWithRetry, toolCallAttemptOf, toolCallKeyOf } from './event-log-interceptor';

/**
 * A tool's progress reports as `tool.call.progress` facts of its attempt: numbered in the order they
 * came, appended one after another (never two at once, so the log keeps their order) and keyed by
 * attempt and number, so each is stored once. `flush` waits for the last; the call's outcome is
 * recorded after it. A report that cannot be stored is logged, never a failure of the call.
 */
export function toolProgressRecorder(db: Knex, info: Info, call: ExecuteToolInput, log: Pick<Logger, 'warn'>) {
  const keyOf = toolCallKeyOf(info, call);
  const common = toolCallAttemptOf(info, call);
  const target = { tenantId: call.tenantId, runId: call.runId };
  let sequence = 0;
  let tail: Promise<unknown> = Promise.resolve();
  return {
    progress(update: ToolProgress): void {
      sequence += 1;
      const fact = {
        type: 'tool.call.progress' as const,
        dedupeKey: keyOf(info.attempt, `progress/${sequence}`),
        data: {
          ...common,
          sequence,
          progress: update.progress,
          ...(update.total !== undefined ? { total: update.total } : {}),
          ...(update.message !== undefined ? { message: update.message } : {}),
        },
      };
      tail = tail
        .then(() => appendWithRetry(db, target, [fact]))
        .catch((error: unknown) => log.warn({ err: error, runId: call.runId, stepId: call.stepId }, 'a tool progress report could not be stored'));
    },
    async flush(): Promise<void> {
      await tail;
    },
  };
}
