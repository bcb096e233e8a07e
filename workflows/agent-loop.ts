import { ActivityFailure, condition, continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Actor } from '../lib/events';
import {
  modelToolName,
  type AgentCarryOver,
  type AgentRunInput,
  type CallModelResult,
  type ChatMessage,
  type ModelTool,
  type ModelToolCall,
  type ToolCallPolicy,
} from '../lib/workflow-contract';
import { isCancelledActivity, stopUnlessDecided } from './plan-run';
import type { RunContext } from './run-context';
import { failureOf, RunStopped } from './run-stopped';
import { FailureType } from '../lib/failure-types';
import { addUsage, noUsage, usageOf } from '../lib/model-usage';

export const defaultMaxTurns = 10;
const defaultIdleTimeout = '10m';
const defaultHistoryEventsLimit = 10_000;

const { callModel } = proxyActivities<Activities>({
  startToCloseTimeout: '3m',
  // The call heartbeats while it runs, so a worker that dies mid-answer is noticed in seconds, and a cancelled run's call stops.
  heartbeatTimeout: '30s',
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

/** The system message, then the input (if any) as the first user message: a string as is, anything else as its JSON. */
export function firstTranscript(instructions: string, input: unknown): ChatMessage[] {
  const transcript: ChatMessage[] = [{ role: 'system', content: instructions }];
  if (input !== undefined && input !== null) transcript.push({ role: 'user', content: typeof input === 'string' ? input : JSON.stringify(input) });
  return transcript;
}

/**
 * One agent loop's settings: agent mode's from the spec and the policies resolved at start,
 * a definition's `ctx.agent` call's from the call and the resolveAgentTools activity.
 */
export interface AgentLoopConfig {
  /** A `ctx.agent` call's step name, which names its turns and tool calls in the log; absent in agent mode. */
  name?: string;
  model: string;
  maxTurns: number;
  /** The only tools the model may call. */
  tools: readonly string[];
  modelTools: ModelTool[];
  /** Per tool name. */
  policies: Record<string, ToolCallPolicy>;
}

/** One agent loop under way: its settings and what it has spent. */
export interface AgentSession {
  readonly config: AgentLoopConfig;
  /** Model turns so far (agent mode: across continue-as-new, as `state.turns`). */
  turns: number;
  usage: CallModelResult['usage'];
}

export const newSession = (config: AgentLoopConfig, turns = 0): AgentSession => ({
  config,
  turns,
  usage: noUsage(),
});

/** Agent mode's loop settings, from the spec and what the API resolved at start. */
function agentModeConfig(input: AgentRunInput): AgentLoopConfig {
  const agent = input.spec.agent!;
  return { model: agent.model, maxTurns: agent.maxTurns ?? defaultMaxTurns, tools: agent.tools, modelTools: input.modelTools ?? [], policies: input.policies };
}

/**
 * A turn's name in the log: agent mode's `turn-<n>` as it always was, a `ctx.agent` call's
 * `<name>.turn-<n>`, which no other step of a definition can be (step names have no dots).
 */
const turnName = (config: AgentLoopConfig, turn: number): string => (config.name ? `${config.name}.turn-${turn}` : `turn-${turn}`);

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
    transcript: firstTranscript(agent.instructions, input.spec.input),
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
  const session = newSession(agentModeConfig(input), carried.turns);
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
      const turn = await agentTurn(context, session, transcript);
      // Messages that came during the tool calls join the transcript before the next turn.
      if (!turn.answered) continue;
      lastAnswer = turn.answer;
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

/**
 * A `ctx.agent` call: turns until the model answers without tool calls (or `maxTurns`), then the
 * answer. Not conversational: it takes no chat messages (those are `ctx.waitForMessage`'s).
 */
export async function answerOf(context: RunContext, session: AgentSession, transcript: ChatMessage[]): Promise<string | null> {
  for (;;) {
    const turn = await agentTurn(context, session, transcript);
    if (turn.answered) return turn.answer;
  }
}

/** One model turn, then every tool call it asked for, all at once; answered when it asked for none. */
async function agentTurn(
  context: RunContext,
  session: AgentSession,
  transcript: ChatMessage[],
): Promise<{ answered: false } | { answered: true; answer: string | null }> {
  const toolCalls = await modelTurn(context, session, transcript);
  if (toolCalls.length > 0) {
    await Promise.all(toolCalls.map((call) => runToolCall(context, session, call, transcript)));
    return { answered: false };
  }
  const last = transcript[transcript.length - 1];
  return { answered: true, answer: last?.role === 'assistant' ? last.content : null };
}

/** One model call; records `model.called` with token usage and appends the answer to the transcript. */
async function modelTurn(context: RunContext, session: AgentSession, transcript: ChatMessage[]): Promise<ModelToolCall[]> {
  const { config } = session;
  if (session.turns >= config.maxTurns) {
    throw new RunStopped({
      message: `${config.name ? `${config.name}: ` : ''}maxTurns (${config.maxTurns}) reached without a final answer`,
      errorClass: FailureType.LimitExceeded,
      retryable: false,
      ...(config.name ? { step: config.name } : {}),
    });
  }
  session.turns += 1;
  context.state.turns += 1;
  const turn = session.turns;
  let result;
  try {
    result = await callModel({
      tenantId: context.input.tenantId,
      runId: context.input.runId,
      turn,
      ...(config.name ? { agent: config.name } : {}),
      model: config.model,
      messages: transcript,
      tools: config.modelTools,
    });
  } catch (error) {
    if (error instanceof ActivityFailure && !isCancelledActivity(error)) throw new RunStopped({ ...failureOf(error), step: turnName(config, turn) });
    throw error;
  }
  // An older history's result has the usage in its older shape.
  const usage = usageOf(result.usage);
  addUsage(session.usage, usage);
  transcript.push({
    role: 'assistant',
    content: result.message.content,
    ...(result.message.toolCalls.length > 0 ? { tool_calls: result.message.toolCalls } : {}),
  });
  await context.record([
    {
      type: 'model.called',
      key: config.name ? `model/${turnName(config, turn)}` : `model/${turn}`,
      data: {
        turn,
        ...(config.name ? { agent: config.name } : {}),
        model: config.model,
        usage,
        // Results of older histories carry no cost: their event says nothing of it, as it did.
        ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
        finishReason: result.finishReason,
        content: result.message.content,
        toolCalls: result.message.toolCalls.map((call) => ({ id: call.id, name: call.function.name })),
      },
    },
  ]);
  return result.message.toolCalls;
}

/** Runs one tool call the model asked for; its result (or error) goes back to the model as a tool message. */
async function runToolCall(context: RunContext, session: AgentSession, call: ModelToolCall, transcript: ChatMessage[]): Promise<void> {
  const { config } = session;
  const tool = config.tools.find((name) => modelToolName(name) === call.function.name);
  const reply = (content: unknown) =>
    transcript.push({ role: 'tool', tool_call_id: call.id, content: typeof content === 'string' ? content : JSON.stringify(content) });
  const stepId = `${turnName(config, session.turns)}.${call.id}`;
  if (!tool) {
    // The model asked for a tool outside the run's list (a prompt injection in a tool result, say):
    // refused, and the refusal is a fact in the log. Older histories had no record command here.
    if (patched('record-refused-tool-calls')) {
      await context.record([
        {
          type: 'tool.call.refused',
          key: `refused/${stepId}`,
          data: {
            turn: session.turns,
            ...(config.name ? { agent: config.name } : {}),
            toolCallId: call.id,
            name: call.function.name,
            reason: 'not_allowed',
            allowedTools: [...config.tools],
          },
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
  await context.record([{ type: 'step.started', key: `step/${stepId}/started`, data: { stepId, tool, toolCallId: call.id } }]);
  const policy = config.policies[tool];
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
