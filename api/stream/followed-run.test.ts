import type { RunEvent } from '../../lib/events';
import { FollowedRun } from './followed-run';

const event = (seq: number): RunEvent => ({
  runId: 'run_1',
  seq,
  type: 'step.started',
  at: '2026-12-04T00:00:00.000Z',
  actor: null,
  data: {},
  hash: `h${seq}`,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => event(from + index));
const seqs = (events: RunEvent[] | null) => events?.map((e) => e.seq) ?? null;

describe('FollowedRun: what the stream hub may answer from memory', () => {
  it('answers nothing until a read that reached the end of the table has returned events', () => {
    const run = new FollowedRun<string>('t');
    run.add(range(1, 3)); // this process's append: stored, but what else is stored is unknown
    expect(run.eventsAfter(0)).toBeNull();
    expect(run.eventsAfter(3)).toBeNull();
    const token = run.beginRead();
    run.afterRead(token, [], true); // an empty read: the cursor may be past the end
    expect(run.eventsAfter(3)).toBeNull();
    run.afterRead(run.beginRead(), range(1, 3), false); // more pages to come
    expect(run.eventsAfter(3)).toBeNull();
    run.afterRead(run.beginRead(), range(1, 3), true);
    expect(seqs(run.eventsAfter(0))).toEqual([1, 2, 3]);
    expect(seqs(run.eventsAfter(2))).toEqual([3]);
    expect(run.eventsAfter(3)).toEqual([]);
  });

  it('sends a reader to the table when a notice names an event memory lacks, or the window no longer starts low enough', () => {
    const run = new FollowedRun<string>('t');
    run.afterRead(run.beginRead(), range(1, 2), true);
    run.heard(3); // another writer's event
    expect(run.eventsAfter(2)).toBeNull();
    run.afterRead(run.beginRead(), [event(3)], true);
    expect(seqs(run.eventsAfter(2))).toEqual([3]);
    run.add(range(4, 40)); // the window keeps the latest 32
    expect(seqs(run.eventsAfter(38))).toEqual([39, 40]);
    expect(seqs(run.eventsAfter(8))).toEqual(range(9, 40).map((e) => e.seq));
    expect(run.eventsAfter(7)).toBeNull();
  });

  it('merges overlapping or touching batches in seq order; across a gap keeps the newer side', () => {
    const run = new FollowedRun<string>('t');
    run.afterRead(run.beginRead(), range(5, 7), true);
    run.add(range(3, 5)); // older, overlapping
    run.add(range(8, 9)); // touching
    expect(seqs(run.eventsAfter(2))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    run.add(range(1, 1)); // older across a gap: ignored
    expect(seqs(run.eventsAfter(2))).toEqual([3, 4, 5, 6, 7, 8, 9]);
    run.add(range(12, 12)); // newer across a gap (10, 11 came from another writer): memory cannot cover 10..12
    expect(run.known).toBe(12);
    expect(run.eventsAfter(9)).toBeNull();
    expect(seqs(run.eventsAfter(11))).toEqual([12]);
  });

  it('stops answering when notices may have been lost, and a read begun before that cannot restore it', () => {
    const run = new FollowedRun<string>('t');
    run.afterRead(run.beginRead(), range(1, 2), true);
    const early = run.beginRead();
    run.distrust();
    expect(run.eventsAfter(2)).toBeNull();
    run.afterRead(early, range(1, 2), true);
    expect(run.eventsAfter(2)).toBeNull();
    run.afterRead(run.beginRead(), range(1, 2), true);
    expect(run.eventsAfter(2)).toEqual([]);
  });
});
