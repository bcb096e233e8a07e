import type { AnswerDelta } from '../../lib/api-client';
import type { RunEvent } from '../../lib/events';

/** A model answer of the run while it streams: the text so far of one turn (of one `ctx.agent` call). */
export interface StreamingAnswer {
  key: string;
  turn: number;
  agent: string | null;
  text: string;
  /** The answer's model.called came: `text` is its final content. */
  final: boolean;
}

const keyOf = (turn: number, agent: string | undefined | null) => `${agent ?? ''}/${turn}`;

/** The answers after one `delta` or `delta.reset` (docs/api.md, "Streamed answers"). */
export function applyDelta(answers: StreamingAnswer[], delta: AnswerDelta): StreamingAnswer[] {
  const key = keyOf(delta.turn, delta.agent);
  // A new answer streaming: the last final one has served its purpose.
  const others = answers.filter((answer) => answer.key !== key && !answer.final);
  if (delta.type === 'delta.reset') return others;
  const text = (answers.find((answer) => answer.key === key && !answer.final)?.text ?? '') + delta.text;
  return [...others, { key, turn: delta.turn, agent: delta.agent ?? null, text, final: false }].sort((a, b) => a.turn - b.turn || a.key.localeCompare(b.key));
}

/**
 * A turn's model.called is its final answer: the streamed text of that turn gives way to its
 * content (`keepFinal`), or goes (a chat shows the answer itself, or the turn had no content).
 */
export function settleAnswer(answers: StreamingAnswer[], event: RunEvent, options: { keepFinal: boolean }): StreamingAnswer[] {
  if (event.type !== 'model.called') return answers;
  const { turn, agent, content } = event.data as { turn: number; agent?: string; content: string | null };
  const key = keyOf(turn, agent);
  const streamed = answers.find((answer) => answer.key === key && !answer.final);
  if (!streamed) return answers;
  const others = answers.filter((answer) => answer.key !== key && !answer.final);
  return options.keepFinal && content ? [...others, { ...streamed, text: content, final: true }] : others;
}
