import pino from 'pino';
import { createScratchDatabase } from '../../test/databases';
import { approvalRequestedFact, createdFact, startedFact } from '../../test/event-facts';
import { RecordingSink } from '../../test/recording-sink';
import { migrateLatest } from '../../lib/db';
import { appendEvents } from '../../lib/event-log';
import { runSchema } from '../../lib/api-client/schemas';
import { RunsFeed } from './runs-feed';

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('RunsFeed: the runs list of a tenant, filtered', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let feed: RunsFeed;
  beforeAll(async () => {
    scratch = await createScratchDatabase('runs_feed');
    await migrateLatest(scratch.db);
    feed = new RunsFeed({ db: scratch.db, presenter: { temporalUiUrl: 'http://temporal.test', namespace: 'default' }, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    feed.close();
    await scratch.drop();
  });

  const runFrames = (sink: RecordingSink) =>
    sink.frames.flatMap((frame) => (frame.type === 'run' ? [[frame.run.id, frame.run.status, frame.run.lastSeq]] : []));

  it("sends a run that matches once per version, goes on sending one it listed after it leaves the filter, and nothing of another tenant's", async () => {
    const target = { tenantId: 't', runId: 'run_listed' };
    const sink = new RecordingSink('t');
    const otherTenant = new RecordingSink('other');
    const otherTags = new RecordingSink('t');
    feed.subscribe(sink, { status: ['created'], tags: ['t1'] });
    feed.subscribe(otherTenant, {});
    feed.subscribe(otherTags, { tags: ['t2'] });
    expect(sink.frames).toEqual([{ type: 'subscribed', runs: true }]);

    await appendEvents(scratch.db, target, [createdFact(target.runId)]);
    feed.onNotice({ ...target, seq: 1 });
    await sink.waitFor((s) => runFrames(s).length === 1);
    const frame = sink.frames[1];
    expect(frame?.type === 'run' && runSchema.parse(frame.run)).toMatchObject({ id: target.runId, tags: ['t1'] });
    feed.onNotice({ ...target, seq: 1 }); // the same version again
    await settle();
    expect(runFrames(sink)).toEqual([[target.runId, 'created', 1]]);

    await appendEvents(scratch.db, target, [approvalRequestedFact(target.runId)]);
    feed.onNotice({ ...target, seq: 2 });
    await sink.waitFor((s) => runFrames(s).length === 2);
    expect(runFrames(sink)).toEqual([
      [target.runId, 'created', 1],
      [target.runId, 'awaiting_approval', 2],
    ]);
    // Listed before, so the client hears that it changed (and may drop it from its list).
    await appendEvents(scratch.db, target, [startedFact(target.runId, 1)]);
    feed.onNotice({ ...target, seq: 3 });
    await sink.waitFor((s) => runFrames(s).length === 3);
    expect(runFrames(sink)[2]).toEqual([target.runId, 'awaiting_approval', 3]);
    expect(runFrames(otherTenant)).toEqual([]);
    expect(runFrames(otherTags)).toEqual([]);
  });

  it('sends nothing after unsubscribe or drop', async () => {
    const target = { tenantId: 't', runId: 'run_unlisted' };
    const unsubscribed = new RecordingSink('t');
    const dropped = new RecordingSink('t');
    feed.subscribe(unsubscribed, {});
    feed.subscribe(dropped, {});
    feed.unsubscribe(unsubscribed);
    feed.drop(dropped);
    await appendEvents(scratch.db, target, [createdFact(target.runId)]);
    feed.onNotice({ ...target, seq: 1 });
    await settle();
    expect(runFrames(unsubscribed)).toEqual([]);
    expect(runFrames(dropped)).toEqual([]);
  });
});
