import { AppError } from '../../lib/errors';
import { messageSignal } from '../../workflows/definitions';
import type { Principal } from '../keys';
import { liveRun, toWorkflow, type RunControlDeps } from './run-workflow';

/** Chat: a user message into an agent run or a definition run (`ctx.waitForMessage`); the workflow records `message.received` when it takes it. */
export async function sendMessage(deps: RunControlDeps, principal: Principal, runId: string, text: string): Promise<void> {
  const run = await liveRun(deps, principal, runId);
  if (run.mode === 'plan') throw new AppError('conflict', `run ${runId} is a plan run; only agent and definition runs take messages`);
  await toWorkflow(deps, runId, () => deps.temporal.workflow.getHandle(runId).signal(messageSignal, { text, actor: principal.actor }));
}
