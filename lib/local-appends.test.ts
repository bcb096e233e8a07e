import knex from 'knex';
import type { RunEvent } from './events';
import { isAppending, onLocalAppend, trackLocalAppend, type LocalAppend } from './local-appends';

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
  // Never connected: the feed is keyed by the Knex instance, i.e. by pool.
  const db = knex({ client: 'pg' });
  const otherDb = knex({ client: 'pg' });
  afterAll(async () => {
    await db.destroy();
    await otherDb.destroy();
  });

  it('marks the run as appending while the append is in flight, then hands over what it stored', async () => {
    const heard: LocalAppend[] = [];
    const heardElsewhere: LocalAppend[] = [];
    const stop = onLocalAppend(db, (append) => heard.push(append));
    const stopOther = onLocalAppend(otherDb, (append) => heardElsewhere.push(append));
    let release!: () => void;
    const appending = trackLocalAppend(db, target, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { stored: [event(1), event(2)] };
    });
    expect(isAppending(db, 'run_1')).toBe(true);
    expect(isAppending(otherDb, 'run_1')).toBe(false);
    expect(heard).toEqual([]);
    release();
    expect((await appending).stored).toHaveLength(2);
    expect(isAppending(db, 'run_1')).toBe(false);
    expect(heard).toEqual([{ ...target, events: [event(1), event(2)] }]);
    expect(heardElsewhere).toEqual([]);
    stop();
    stopOther();
  });

  it('settles a failed append too (no events), so a reader waiting on it goes on; the error still reaches the caller; a throwing listener does not fail the append', async () => {
    const heard: LocalAppend[] = [];
    const stopThrowing = onLocalAppend(db, () => {
      throw new Error('reader broke');
    });
    const stop = onLocalAppend(db, (append) => heard.push(append));
    await expect(trackLocalAppend(db, target, () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(heard).toEqual([{ ...target, events: [] }]);
    expect(isAppending(db, 'run_1')).toBe(false);
    await expect(trackLocalAppend(db, target, async () => ({ stored: [event(3)] }))).resolves.toEqual({ stored: [event(3)] });
    expect(heard.at(-1)).toEqual({ ...target, events: [event(3)] });
    stop();
    stopThrowing();
    await trackLocalAppend(db, target, async () => ({ stored: [event(4)] }));
    expect(heard).toHaveLength(2);
  });
});
