import type { Knex } from 'knex';
import { agentRunInputOf, checkRunSpec, runCreatedData } from '../domains/runs/start-run';
import { AppError } from '../lib/errors';
import { specHash } from '../lib/ids';
import type { PrepareChildRunInput, PrepareChildRunResult } from '../lib/workflow-contract';
import type { ToolRegistry } from '../tools/registry';
import { requireRunStarter, type RunStarterDeps } from './start-scheduled-run';

/**
 * The local activity behind a definition's `ctx.run`: the child's spec goes through the checks a
 * start through the API makes (`checkRunSpec`: the definition's input schema, its defaults, the
 * policies) and becomes the same `agentRun` input (`agentRunInputOf`), its `run.created` naming the
 * parent. The workflow then starts the child itself, as a Temporal child workflow.
 */
export function prepareChildRunActivity(deps: { db: Knex; tools: ToolRegistry; runStarter?: RunStarterDeps }) {
  return async function prepareChildRun(input: PrepareChildRunInput): Promise<PrepareChildRunResult> {
    const runStarter = requireRunStarter(deps.runStarter, 'this worker has no run-start settings to start child runs');
    const tools = deps.tools.forTenant(input.tenantId);
    await tools.refresh();
    let checked: ReturnType<typeof checkRunSpec>;
    try {
      checked = checkRunSpec({ ...runStarter, tools }, input.spec);
    } catch (error) {
      if (error instanceof AppError) return { problem: problemOf(error) };
      throw error;
    }
    const { spec, policies } = checked;
    const created = runCreatedData(spec, specHash(spec), input.parent);
    return {
      input: agentRunInputOf(
        { db: deps.db, tools, historyEventsLimit: runStarter.historyEventsLimit },
        { tenantId: input.tenantId, runId: input.childRunId, spec, created, createdBy: input.createdBy, onBehalfOf: input.onBehalfOf, policies },
      ),
    };
  };
}

/** An API error as one line: its message and the issues it lists. */
function problemOf(error: AppError): string {
  const issues = Array.isArray(error.details) ? (error.details as Array<{ path?: string; message?: string }>) : [];
  const listed = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : String(issue.message))).join('; ');
  return listed ? `${error.message} (${listed})` : error.message;
}
