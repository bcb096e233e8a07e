import type { RunEvent } from '../lib/events';
import { applyDelta, settleAnswer } from '../web/lib/streaming-answers';

describe("the dashboard's streaming answers (web/lib/streaming-answers.ts)", () => {
  const runId = 'run_x';
  it('adds deltas per turn, drops a turn at delta.reset, and settles it at its model.called', () => {
    let answers = applyDelta([], { type: 'delta', runId, turn: 2, text: 'Hel' });
    answers = applyDelta(answers, { type: 'delta', runId, turn: 1, agent: 'a', text: 'x' });
    answers = applyDelta(answers, { type: 'delta', runId, turn: 2, text: 'lo' });
    expect(answers.map(({ turn, agent, text }) => [turn, agent, text])).toEqual([
      [1, 'a', 'x'],
      [2, null, 'Hello'],
    ]);
    answers = applyDelta(answers, { type: 'delta.reset', runId, turn: 1, agent: 'a' });
    expect(answers.map((answer) => answer.text)).toEqual(['Hello']);
    const modelCalled = (turn: number, agent?: string) =>
      ({ type: 'model.called', seq: 3, data: { turn, ...(agent ? { agent } : {}), content: 'Hello!' } }) as unknown as RunEvent;
    expect(settleAnswer(answers, modelCalled(2, 'other'), { keepFinal: true })).toBe(answers);
    expect(settleAnswer(answers, modelCalled(2), { keepFinal: false })).toEqual([]);
    // The streamed text gives way to the final content, until another answer streams.
    const settled = settleAnswer(answers, modelCalled(2), { keepFinal: true });
    expect(settled.map(({ text, final }) => [text, final])).toEqual([['Hello!', true]]);
    expect(applyDelta(settled, { type: 'delta', runId, turn: 3, text: 'next' }).map(({ turn, final }) => [turn, final])).toEqual([[3, false]]);
  });
});
