import type { Knex } from 'knex';
import { argsHashOf } from '../args-hash';
import { hasRedactions } from '../redact';
import type { ResultSource } from '../workflow-contract';

/** A tool call of an earlier run that succeeded: what a replay or a fork hands back instead of calling the tool. */
export interface RecordedResult {
  /** The seq of its `tool.call.succeeded` in the earlier run's log. */
  seq: number;
  stepId: string;
  tool: string;
  argsHash: string;
  output: unknown;
}

/**
 * The earlier run's result for this call: the same step with the same tool and args first, then
 * any call of the same tool with the same args (an agent's step ids come from the model's call
 * ids, which a live model makes anew). Null when it made no such call, or only one whose recorded
 * output had secrets redacted (which cannot stand in for the real one).
 */
export async function findRecordedResult(
  db: Knex,
  tenantId: string,
  source: ResultSource,
  call: { stepId: string; tool: string; args: Record<string, unknown> },
): Promise<RecordedResult | null> {
  const argsHash = argsHashOf(call.args);
  const results = (await recordedResults(db, tenantId, { ...source, tool: call.tool })).filter((result) => result.argsHash === argsHash);
  const usable = results.filter((result) => !hasRedactions(result.output));
  return usable.find((result) => result.stepId === call.stepId) ?? usable[0] ?? null;
}

/** Every successful tool call of the run (within `beforeSeq`; of `tool` only, if given), with the args its started attempt recorded. */
export async function recordedResults(
  db: Knex,
  tenantId: string,
  source: Pick<ResultSource, 'runId' | 'beforeSeq'> & { tool?: string },
): Promise<RecordedResult[]> {
  const { rows } = await db.raw<{ rows: Array<{ seq: number; step_id: string; tool: string; args: Record<string, unknown> | null; output: unknown }> }>(
    `SELECT succeeded.seq, succeeded.data->>'stepId' AS step_id, succeeded.data->>'tool' AS tool,
            started.data->'args' AS args, succeeded.data->'output' AS output
       FROM run_events succeeded
       JOIN run_events started
         ON started.tenant_id = succeeded.tenant_id AND started.run_id = succeeded.run_id
        AND started.type = 'tool.call.started'
        AND started.data->>'activityId' = succeeded.data->>'activityId'
        AND started.data->>'stepId' = succeeded.data->>'stepId'
        AND started.data->'attempt' = succeeded.data->'attempt'
      WHERE succeeded.tenant_id = ? AND succeeded.run_id = ? AND succeeded.type = 'tool.call.succeeded'
        AND (?::bigint IS NULL OR succeeded.seq < ?::bigint)
        AND (?::text IS NULL OR succeeded.data->>'tool' = ?::text)
      ORDER BY succeeded.seq`,
    [tenantId, source.runId, source.beforeSeq ?? null, source.beforeSeq ?? null, source.tool ?? null, source.tool ?? null],
  );
  return rows.map((row) => ({ seq: Number(row.seq), stepId: row.step_id, tool: row.tool, argsHash: argsHashOf(row.args ?? {}), output: row.output }));
}
