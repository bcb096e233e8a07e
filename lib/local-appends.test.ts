import type { RunEvent } from './events';
import { LocalAppendFeed, type LocalAppend } from './local-appends';

const target = { tenantId: 't1', runId: 'run_1' };
const event = (seq: number): RunEvent => ({
  runId: 'run_1',
  seq,
  type: 'step.started',
  at: '2026-12-04T00:00:00.000Z',
  actor: null,
  data: {},
  hash: `h${seq}`,
});

describe('local appends: what this process stored, handed to readers in it', () => {
  // One feed per pool: another pool's feed hears nothing of this one's appends.
  const feed = new LocalAppendFeed();
  const otherFeed = new LocalAppendFeed();

  it('marks the run as appending while the append is in flight, then hands over what it stored', async () => {
    const heard: LocalAppend[] = [];
    const heardElsewhere: LocalAppend[] = [];
    const stop = feed.onAppend((append) => heard.push(append));
    const stopOther = otherFeed.onAppend((append) => heardElsewhere.push(append));
    let release!: () => void;
    const appending = feed.track(target, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { stored: [event(1), event(2)] };
    });
    expect(feed.isAppending('run_1')).toBe(true);
    expect(otherFeed.isAppending('run_1')).toBe(false);
    expect(heard).toEqual([]);
    release();
    expect((await appending).stored).toHaveLength(2);
    expect(feed.isAppending('run_1')).toBe(false);
    expect(heard).toEqual([{ ...target, events: [event(1), event(2)] }]);
    expect(heardElsewhere).toEqual([]);
    stop();
    stopOther();
  });

  it('settles a failed append too (no events), so a reader waiting on it goes on; the error still reaches the caller; a throwing listener does not fail the append', async () => {
    const heard: LocalAppend[] = [];
    const stopThrowing = feed.onAppend(() => {
      throw new Error('reader broke');
    });
    const stop = feed.onAppend((append) => heard.push(append));
    await expect(feed.track(target, () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(heard).toEqual([{ ...target, events: [] }]);
    expect(feed.isAppending('run_1')).toBe(false);
    await expect(feed.track(target, async () => ({ stored: [event(3)] }))).resolves.toEqual({ stored: [event(3)] });
    expect(heard.at(-1)).toEqual({ ...target, events: [event(3)] });
    stop();
    stopThrowing();
    await feed.track(target, async () => ({ stored: [event(4)] }));
    expect(heard).toHaveLength(2);
  });
});
