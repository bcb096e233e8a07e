import pino from 'pino';
import { createScratchDatabase } from '../../test/databases';
import { approvalRequestedFact, createdFact } from '../../test/event-facts';
import { RecordingSink } from '../../test/recording-sink';
import { approvalSchema } from '../../lib/api-client/schemas';
import { migrateLatest } from '../../lib/db';
import { appendEvents } from '../../lib/event-log';
import { ApprovalsFeed } from './approvals-feed';

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("ApprovalsFeed: the approvals inbox of a tenant's runs", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let feed: ApprovalsFeed;
  beforeAll(async () => {
    scratch = await createScratchDatabase('approvals_feed');
    await migrateLatest(scratch.db);
    feed = new ApprovalsFeed({ db: scratch.db, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    feed.close();
    await scratch.drop();
  });

  const approvalFrames = (sink: RecordingSink) => sink.frames.flatMap((frame) => (frame.type === 'approval' ? [approvalSchema.parse(frame.approval)] : []));

  it("sends each changed approval once, to the tenant's subscribers only, and nothing after unsubscribe", async () => {
    const target = { tenantId: 't', runId: 'run_inbox' };
    const sink = new RecordingSink('t');
    const otherTenant = new RecordingSink('other');
    const unsubscribed = new RecordingSink('t');
    feed.subscribe(sink);
    feed.subscribe(otherTenant);
    feed.subscribe(unsubscribed);
    feed.unsubscribe(unsubscribed);
    expect(sink.frames).toEqual([{ type: 'subscribed', approvals: true }]);

    await appendEvents(scratch.db, target, [createdFact(target.runId), approvalRequestedFact(target.runId)]);
    feed.onNotice({ ...target, seq: 2 });
    await sink.waitFor((s) => approvalFrames(s).length === 1);
    expect(approvalFrames(sink)[0]).toMatchObject({ id: 'run_inbox:s', runId: target.runId, status: 'pending' });
    feed.onNotice({ ...target, seq: 2 });
    await settle();
    expect(approvalFrames(sink)).toHaveLength(1);
    expect(otherTenant.frames).toEqual([{ type: 'subscribed', approvals: true }]);
    expect(approvalFrames(unsubscribed)).toEqual([]);

    // Subscribing again starts afresh: the pending approval comes again.
    feed.subscribe(sink);
    feed.onNotice({ ...target, seq: 2 });
    await sink.waitFor((s) => approvalFrames(s).length === 2);
  });
});
