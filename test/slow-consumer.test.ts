/**
 * A ws client that stops reading fills its send buffer; past the bound the server closes it with
 * 4008 ("lagging: resume with afterSeq") while other clients carry on (every event, in order), the
 * bytes the API holds for its sockets stay near the bound rather than the backlog, and the slow
 * client resumes from the last seq it had, with no gap and no duplicate.
 */
import WebSocket from 'ws';
import { closeCodes } from '../lib/stream';
import { startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';
import { TestStreamClient } from './ws-client';
import { sleep } from './wait';

const maxBufferedBytes = 64 * 1024;

describe('a slow ws consumer', () => {
  const stack = useTestStack({ env: { FLIGHTDECK_WS_MAX_BUFFERED_BYTES: String(maxBufferedBytes) } });

  it('is closed with 4008 past the bound, others are unaffected, and it resumes with afterSeq', async () => {
    // Big events: each step's args and output carry ~120 KB, so a few runs outgrow the socket buffers.
    const blob = 'x'.repeat(120_000);
    const runIds = await Promise.all(
      Array.from({ length: 8 }, () => startRun(stack, { plan: { steps: ['a', 'b'].map((id) => ({ id, tool: 'builtin.echo', args: { blob } })) } })),
    );
    await Promise.all(runIds.map((runId) => waitForEnd(stack, runId)));

    const slow = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    await new Promise((resolve) => slow.once('open', resolve));
    const received = new Map<string, number[]>();
    slow.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; runId?: string; seq?: number };
      if (frame.type === 'event') received.set(frame.runId!, [...(received.get(frame.runId!) ?? []), frame.seq!]);
    });
    const closed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    const healthy = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);

    // Stop reading: the server's writes pile up in its send buffer.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    for (const runId of runIds) {
      slow.send(JSON.stringify({ type: 'subscribe', runId, afterSeq: 0 }));
      healthy.send({ type: 'subscribe', runId, afterSeq: 0 });
    }
    // The hub drops the client once its buffer passes the bound; then reading resumes, and the
    // client gets what was already on its way, then the close frame. Meanwhile the bytes the API
    // holds for its sockets are sampled: they must stay near the bound, not grow with the backlog.
    let peakBuffered = stack.api.hub.bufferedBytes;
    for (let waited = 0; stack.api.hub.clientCount > 1; waited += 50) {
      if (waited > 30_000) throw new Error('the slow client was never dropped');
      await sleep(50);
      peakBuffered = Math.max(peakBuffered, stack.api.hub.bufferedBytes);
    }
    // Held for a while after the drop: nothing more is queued for the dropped client.
    for (let sample = 0; sample < 20; sample++) {
      await sleep(50);
      peakBuffered = Math.max(peakBuffered, stack.api.hub.bufferedBytes);
    }
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(closeCodes.lagging);

    // The healthy client, subscribed to the same runs at the same time, got every event once, in order.
    await healthy.waitFor(() => runIds.every((runId) => healthy.events(runId).some((frame) => frame.event.type === 'run.completed')), 30_000);
    for (const runId of runIds) expect(healthy.events(runId).map((frame) => frame.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The backlog offered to each client: the event frames the healthy one received.
    const backlogBytes = healthy.events().reduce((sum, frame) => sum + Buffer.byteLength(JSON.stringify(frame)), 0);
    await healthy.close();
    const largestFrame = 2 * blob.length + 16 * 1024; // an event carrying the blob twice (args and output), plus its envelope
    // Generous: the bound, plus frames written in the same turn as the one that crossed it. Without
    // the bound the whole backlog (several MB) would sit in the API's buffers.
    expect(backlogBytes).toBeGreaterThan(4 * (maxBufferedBytes + 2 * largestFrame));
    expect(peakBuffered).toBeLessThanOrEqual(maxBufferedBytes + 2 * largestFrame);
    console.log(`slow consumer: backlog ${backlogBytes} B offered, peak buffered in the API ${peakBuffered} B (bound ${maxBufferedBytes} B)`);

    // Resume each run from the last seq the slow client received.
    const resumed = await TestStreamClient.connect(stack.wsUrl, stack.adminKey);
    try {
      for (const runId of runIds) resumed.send({ type: 'subscribe', runId, afterSeq: received.get(runId)?.at(-1) ?? 0 });
      await resumed.waitFor(() => runIds.every((runId) => [...(received.get(runId) ?? []), ...resumed.events(runId).map((f) => f.seq)].includes(9)), 30_000);
      for (const runId of runIds) {
        const all = [...(received.get(runId) ?? []), ...resumed.events(runId).map((frame) => frame.seq)];
        expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    } finally {
      await resumed.close();
    }
  }, 90_000);
});
