import type { Knex } from 'knex';
import { createScratchDatabase } from '../../test/databases';
import { createdFact, startedFact } from '../../test/event-facts';
import { RecordingSink } from '../../test/recording-sink';
import { createDb, migrateLatest } from '../../lib/db';
import { appendEvents, attachEventLog, createEventLogState, type EventLogState } from '../../lib/event-log';
import { RunFeed } from './run-feed';

describe('RunFeed: one run, replayed from a seq, then live', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let eventLog: EventLogState;
  let otherProcess: Knex;
  let feed: RunFeed;
  beforeAll(async () => {
    scratch = await createScratchDatabase('run_feed');
    await migrateLatest(scratch.db);
    eventLog = createEventLogState();
    attachEventLog(scratch.db, eventLog);
    otherProcess = createDb(scratch.url);
    feed = new RunFeed({ db: scratch.db, localAppends: eventLog.localAppends, maxSubscriptions: 2 });
  });
  afterAll(async () => {
    feed.close();
    await otherProcess.destroy();
    await scratch.drop();
  });

  it("acknowledges, replays after afterSeq, then sends this process's appends at once and other processes' appends on their notice", async () => {
    const target = { tenantId: 't', runId: 'run_live' };
    await appendEvents(scratch.db, target, [createdFact(target.runId), startedFact(target.runId, 1), startedFact(target.runId, 2)]);
    const sink = new RecordingSink('t');
    await feed.subscribe(sink, target.runId, 1);
    expect(sink.frames[0]).toEqual({ type: 'subscribed', runId: target.runId, afterSeq: 1 });
    expect(sink.seqsOf(target.runId)).toEqual([2, 3]);

    await appendEvents(scratch.db, target, [startedFact(target.runId, 3)]);
    await sink.waitFor((s) => s.seqsOf(target.runId).length === 3);

    // Another process's append reaches this one only as a notice.
    await appendEvents(otherProcess, target, [startedFact(target.runId, 4)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.seqsOf(target.runId)).toEqual([2, 3, 4]);
    feed.onNotice({ ...target, seq: 5 });
    await sink.waitFor((s) => s.seqsOf(target.runId).length === 4);
    expect(sink.seqsOf(target.runId)).toEqual([2, 3, 4, 5]);

    feed.unsubscribe(sink, target.runId);
    await appendEvents(scratch.db, target, [startedFact(target.runId, 5)]);
    feed.onNotice({ ...target, seq: 6 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.seqsOf(target.runId)).toEqual([2, 3, 4, 5]);
    expect(sink.errors).toEqual([]);
  });

  it("refuses another tenant's run as not found and a subscription past the connection's limit, naming the run", async () => {
    for (const runId of ['run_a', 'run_b', 'run_c']) await appendEvents(scratch.db, { tenantId: 't', runId }, [createdFact(runId)]);
    await expect(feed.subscribe(new RecordingSink('other'), 'run_a', 0)).rejects.toMatchObject({ code: 'not_found', details: { runId: 'run_a' } });
    const sink = new RecordingSink('t');
    await feed.subscribe(sink, 'run_a', 0);
    await feed.subscribe(sink, 'run_b', 0);
    await expect(feed.subscribe(sink, 'run_c', 0)).rejects.toMatchObject({ code: 'validation_failed', details: { limit: 2, runId: 'run_c' } });
    // Subscribing again to a run it holds is no new subscription.
    await feed.subscribe(sink, 'run_b', 1);
    feed.drop(sink);
    await appendEvents(scratch.db, { tenantId: 't', runId: 'run_a' }, [startedFact('run_a', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.seqsOf('run_a')).toEqual([1]);
  });

  it('reads the table again for every subscription after a resync', async () => {
    const target = { tenantId: 't', runId: 'run_resync' };
    await appendEvents(scratch.db, target, [createdFact(target.runId)]);
    const sink = new RecordingSink('t');
    await feed.subscribe(sink, target.runId, 0);
    // Stored while the listener was away: no notice will come for it.
    await appendEvents(otherProcess, target, [startedFact(target.runId, 1)]);
    feed.resync();
    await sink.waitFor((s) => s.seqsOf(target.runId).length === 2);
    expect(sink.seqsOf(target.runId)).toEqual([1, 2]);
  });
});
