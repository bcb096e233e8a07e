import { ActivityFailure, condition, continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Actor } from '../lib/events';
import { modelToolName, type AgentCarryOver, type AgentRunInput, type ChatMessage, type ModelToolCall } from '../lib/workflow-contract';
import { isCancelledActivity, stopUnlessDecided } from './plan-run';
import type { RunContext } from './run-context';
import { failureOf, RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';

const defaultMaxTurns = 10;
const defaultIdleTimeout = '10m';
const defaultHistoryEventsLimit = 10_000;

const { callModel } = proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  retry: {
    maximumAttempts: 5,
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['ClientError', 'ModelNotConfigured'],
  },
});

/** Messages signalled into the run, waiting for the loop to take them. */
export interface Inbox {
  pending: Array<{ text: string; actor: Actor | null }>;
}

function firstTranscript(input: AgentRunInput): ChatMessage[] {
  const agent = input.spec.agent!;
  const transcript: ChatMessage[] = [{ role: 'system', content: agent.instructions }];
  const runInput = input.spec.input;
  if (runInput !== undefined && runInput !== null) {
    transcript.push({ role: 'user', content: typeof runInput === 'string' ? runInput : JSON.stringify(runInput) });
  }
  return transcript;
}

/**
 * Agent mode: model turn → tool calls → results → model, until the model answers without tool calls
 * (or `maxTurns`). Conversational runs then wait for the next message, up to the idle timeout, and
 * continue as new when history grows long, carrying the transcript and counters.
 */
export async function runAgent(context: RunContext, inbox: Inbox): Promise<string | null> {
  const input = context.input;
  const agent = input.spec.agent!;
  const carried: AgentCarryOver = input.carried ?? {
    generation: 0,
    firstStartedAtMs: workflowInfo().runStartTime.getTime(),
    transcript: firstTranscript(input),
    turns: 0,
    toolCalls: 0,
    messagesReceived: 0,
    pendingMessages: [],
    lastAnswer: null,
  };
  const transcript = carried.transcript;
  let lastAnswer = carried.lastAnswer;
  let messagesReceived = carried.messagesReceived;
  inbox.pending.unshift(...carried.pendingMessages);
  context.state.turns = carried.turns;
  context.state.toolCalls = carried.toolCalls;
  let needsTurn = input.carried === undefined || inbox.pending.length > 0;

  for (;;) {
    for (const message of inbox.pending.splice(0)) {
      messagesReceived += 1;
      await context.record([
        { type: 'message.received', key: `message/${messagesReceived}`, data: { index: messagesReceived, text: message.text }, actor: message.actor },
      ]);
      transcript.push({ role: 'user', content: message.text });
      needsTurn = true;
    }
    if (needsTurn) {
      const toolCalls = await modelTurn(context, transcript);
      if (toolCalls.length > 0) {
        await Promise.all(toolCalls.map((call) => runToolCall(context, call, transcript)));
        continue;
      }
      const last = transcript[transcript.length - 1];
      lastAnswer = last?.role === 'assistant' ? last.content : null;
      needsTurn = false;
    }
    if (!agent.conversational) return lastAnswer;

    const limit = input.historyEventsLimit ?? defaultHistoryEventsLimit;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit) {
      // A message still being verified would be lost to the next run: wait for its verdict.
      if (!context.signals.idle) await condition(() => context.signals.idle);
      await continueAsNew<(next: AgentRunInput) => Promise<unknown>>({
        ...input,
        carried: {
          generation: carried.generation + 1,
          firstStartedAtMs: carried.firstStartedAtMs,
          transcript,
          turns: context.state.turns,
          toolCalls: context.state.toolCalls,
          messagesReceived,
          pendingMessages: inbox.pending.splice(0),
          lastAnswer,
          seenSignals: context.signals.carryOver(),
        },
      });
    }
    const gotMessage = await condition(() => inbox.pending.length > 0, agent.idleTimeout ?? defaultIdleTimeout);
    if (!gotMessage) return lastAnswer;
  }
}

/** One model call; records `model.called` with token usage and appends the answer to the transcript. */
async function modelTurn(context: RunContext, transcript: ChatMessage[]): Promise<ModelToolCall[]> {
  const agent = context.input.spec.agent!;
  const maxTurns = agent.maxTurns ?? defaultMaxTurns;
  if (context.state.turns >= maxTurns) {
    throw new RunStopped({ message: `maxTurns (${maxTurns}) reached without a final answer`, errorClass: FailureType.LimitExceeded, retryable: false });
  }
  context.state.turns += 1;
  const turn = context.state.turns;
  let result;
  try {
    result = await callModel({
      tenantId: context.input.tenantId,
      runId: context.input.runId,
      model: agent.model,
      messages: transcript,
      tools: context.input.modelTools ?? [],
    });
  } catch (error) {
    if (error instanceof ActivityFailure && !isCancelledActivity(error)) throw new RunStopped({ ...failureOf(error), step: `turn-${turn}` });
    throw error;
  }
  transcript.push({
    role: 'assistant',
    content: result.message.content,
    ...(result.message.toolCalls.length > 0 ? { tool_calls: result.message.toolCalls } : {}),
  });
  await context.record([
    {
      type: 'model.called',
      key: `model/${turn}`,
      data: {
        turn,
        model: agent.model,
        usage: result.usage,
        finishReason: result.finishReason,
        content: result.message.content,
        toolCalls: result.message.toolCalls.map((call) => ({ id: call.id, name: call.function.name })),
      },
    },
  ]);
  return result.message.toolCalls;
}

/** Runs one tool call the model asked for; its result (or error) goes back to the model as a tool message. */
async function runToolCall(context: RunContext, call: ModelToolCall, transcript: ChatMessage[]): Promise<void> {
  const agent = context.input.spec.agent!;
  const tool = agent.tools.find((name) => modelToolName(name) === call.function.name);
  const reply = (content: unknown) =>
    transcript.push({ role: 'tool', tool_call_id: call.id, content: typeof content === 'string' ? content : JSON.stringify(content) });
  if (!tool) {
    // The model asked for a tool outside the run's list (a prompt injection in a tool result, say):
    // refused, and the refusal is a fact in the log. Older histories had no record command here.
    if (patched('record-refused-tool-calls')) {
      await context.record([
        {
          type: 'tool.call.refused',
          key: `refused/turn-${context.state.turns}.${call.id}`,
          data: { turn: context.state.turns, toolCallId: call.id, name: call.function.name, reason: 'not_allowed', allowedTools: agent.tools },
        },
      ]);
    }
    reply({ error: `tool "${call.function.name}" is not allowed in this run` });
    return;
  }
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.function.arguments || '{}');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('arguments must be a JSON object');
    args = parsed as Record<string, unknown>;
  } catch (error) {
    reply({ error: `invalid arguments: ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  const stepId = `turn-${context.state.turns}.${call.id}`;
  await context.record([{ type: 'step.started', key: `step/${stepId}/started`, data: { stepId, tool, toolCallId: call.id } }]);
  const policy = context.input.policies[tool];
  if (!policy) throw new RunStopped({ message: `no policy resolved for tool ${tool}`, errorClass: FailureType.InvalidInput, retryable: false });
  if (policy.approval) {
    const outcome = await context.approvals.request(stepId, tool, args, policy.approval);
    // Refused as in plan mode: the run fails rather than let the model try other secrets.
    stopUnlessDecided(outcome, stepId);
    if (outcome.kind === 'rejected') {
      reply({ error: outcome.reason === 'expired' ? 'no human approved this call in time' : 'a human rejected this call', comment: outcome.comment });
      return;
    }
    args = outcome.args;
  }
  try {
    reply(await context.callTool(policy, { stepId, tool, args }));
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCancelledActivity(error)) throw error;
    const failure = failureOf(error);
    reply({ error: failure.message, errorClass: failure.errorClass });
  }
}
