import { createLogOnlyRun, fillerFact } from '../bench/bench-runs';
import { appendEvents } from '../lib/event-log';
import { startTestStack, type TestStack } from './stack';
import { TestStreamClient } from './ws-client';

/**
 * Subscribers of one run share the read each notice triggers (api/stream-hub.ts): whatever moment
 * each one joins, and however appends and notices interleave, every one gets seq 1..n exactly once.
 */
describe('ws fan-out to many subscribers of one run', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('delivers every event once, in order, to early and late subscribers alike', async () => {
    const runId = await createLogOnlyRun(stack.db, stack.tenantId);
    const target = { tenantId: stack.tenantId, runId };
    const fact = (index: number) => fillerFact(runId, index);

    const clients = await Promise.all(Array.from({ length: 12 }, () => TestStreamClient.connect(stack.wsUrl, stack.adminKey)));
    try {
      const early = clients.slice(0, 8);
      const late = clients.slice(8);
      for (const client of early) client.send({ type: 'subscribe', runId, afterSeq: 0 });
      // Bursts of appends without waiting for delivery, so notices arrive while reads are in flight.
      for (let index = 1; index <= 20; index += 1) {
        await appendEvents(stack.db, target, [fact(index)]);
        if (index === 10) for (const [offset, client] of late.entries()) client.send({ type: 'subscribe', runId, afterSeq: offset });
      }
      await Promise.all([appendEvents(stack.db, target, [fact(21), fact(22)]), appendEvents(stack.db, target, [fact(23)])]);

      const lastSeq = 24;
      for (const [index, client] of clients.entries()) {
        await client.waitFor(() => client.events(runId).some((frame) => frame.seq === lastSeq));
        const afterSeq = index < 8 ? 0 : index - 8;
        expect(client.events(runId).map((frame) => frame.seq)).toEqual(Array.from({ length: lastSeq - afterSeq }, (_, offset) => afterSeq + offset + 1));
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
