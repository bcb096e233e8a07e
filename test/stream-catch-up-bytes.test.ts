/**
 * Catch-up is paged in bytes: a client subscribing from seq 0 to a run whose log is many times the
 * send-buffer bound (large tool outputs) gets every event once, in order, and is never closed for
 * lagging — the hub reads the backlog a page of FLIGHTDECK_EVENTS_PAGE_MAX_BYTES at a time and
 * sends the next page only once the socket has taken the last, so the bytes it holds for the
 * socket stay under the bound however large the backlog. A client that reads nothing is still
 * closed (test/slow-consumer.test.ts).
 */
import WebSocket from 'ws';
import { seedLargeRun } from './seed-runs';
import { useTestStack } from './stack';
import { sleep } from './wait';

const maxBufferedBytes = 1024 * 1024;
const pageBytes = 256 * 1024;
const outputBytes = 200_000;
const steps = 60;

describe('ws catch-up of a large log', () => {
  const stack = useTestStack({
    worker: 'none',
    env: { FLIGHTDECK_WS_MAX_BUFFERED_BYTES: String(maxBufferedBytes), FLIGHTDECK_EVENTS_PAGE_MAX_BYTES: String(pageBytes) },
  });

  it('sends every event from seq 0 in order, in bounded pages, without closing a reading client', async () => {
    const { runId, lastSeq } = await seedLargeRun(stack.db, stack.tenantId, steps, outputBytes);

    const socket = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const seqs: number[] = [];
    const frameBytes: number[] = [];
    let closeCode: number | null = null;
    // The API runs in this process: what it holds for its sockets is sampled as each frame arrives, and between.
    let peakBuffered = 0;
    socket.on('message', (data: Buffer) => {
      peakBuffered = Math.max(peakBuffered, stack.api.hub.bufferedBytes);
      const frame = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (frame.type !== 'event') return;
      seqs.push(frame.seq!);
      frameBytes.push(data.length);
    });
    socket.on('close', (code) => (closeCode = code));
    socket.send(JSON.stringify({ type: 'subscribe', runId, afterSeq: 0 }));

    for (let waited = 0; seqs.length < lastSeq && closeCode === null; waited += 5) {
      if (waited > 60_000) throw new Error(`catch-up stalled at ${seqs.length} of ${lastSeq} events`);
      peakBuffered = Math.max(peakBuffered, stack.api.hub.bufferedBytes);
      await sleep(5);
    }
    const backlogBytes = frameBytes.reduce((sum, size) => sum + size, 0);
    const largestFrame = Math.max(...frameBytes);
    console.log(
      `ws catch-up: ${seqs.length} of ${lastSeq} events, backlog ${backlogBytes} B, largest frame ${largestFrame} B, peak buffered in the API ${peakBuffered} B (bound ${maxBufferedBytes} B, page ${pageBytes} B), close code ${closeCode ?? 'none'}`,
    );
    expect(closeCode).toBeNull();
    expect(seqs).toEqual(Array.from({ length: lastSeq }, (_unused, index) => index + 1));
    expect(backlogBytes).toBeGreaterThan(10 * maxBufferedBytes);
    // Every frame is one event: none larger than the largest event and its envelope.
    expect(largestFrame).toBeLessThan(outputBytes + 2048);
    expect(peakBuffered).toBeLessThanOrEqual(maxBufferedBytes);
    socket.close();
  }, 90_000);
});
