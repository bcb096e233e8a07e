import WebSocket from 'ws';
import { FlightdeckApiError, FlightdeckClient, type Run, type RunEvent, type StreamStatus, type WebSocketLike } from '../lib/api-client';
import { useTestStack } from './stack';

/** Three one-second steps: ~12 events over ~3 s, so a drop early on misses some of them. */
const slowPlan = {
  plan: {
    steps: ['a', 'b', 'c'].map((id) => ({ id, tool: 'builtin.wait', args: { seconds: 1 } })),
  },
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Everything a watch saw: seqs in delivery order, statuses, sockets, and when it went down and came back. */
function recorder() {
  const seen = { events: [] as RunEvent[], statuses: [] as StreamStatus[], sockets: [] as WebSocketLike[], closeCodes: [] as number[], downAt: 0, backAt: 0 };
  return {
    seen,
    onEvent: (event: RunEvent) => void seen.events.push(event),
    onStatus: (status: StreamStatus) => {
      seen.statuses.push(status);
      if (status === 'reconnecting') seen.downAt = Date.now();
      if (status === 'live' && seen.downAt) seen.backAt = Date.now();
    },
    onSocket: (socket: WebSocketLike) => {
      seen.sockets.push(socket);
      socket.addEventListener('close', (event) => seen.closeCodes.push(event.code));
    },
    seqs: () => seen.events.map((event) => event.seq),
    /** Events stored while the watch was disconnected: proof that resuming had something to catch up on. */
    storedWhileDown: () => seen.events.filter((event) => Date.parse(event.at) > seen.downAt && Date.parse(event.at) < seen.backAt).length,
  };
}

describe('watchRun and watchRuns over the real ws stream', () => {
  let client: FlightdeckClient;
  const stack = useTestStack();
  beforeAll(async () => {
    client = stack.client;
  });

  it('resumes after the client socket is killed mid-run: seqs exactly 1..n, each once', async () => {
    const runId = (await client.startRun(slowPlan)).run.id;
    const watch = recorder();
    const result = await client.watchRun(runId, {
      ...watch,
      // Stay away long enough (1.5–3 s with jitter) for the run to record events meanwhile: a step takes ~1 s.
      initialDelayMs: 3_000,
      onEvent: (event) => {
        watch.onEvent(event);
        const socket = watch.seen.sockets.at(-1);
        if (event.type === 'tool.call.started' && watch.seen.sockets.length === 1 && socket instanceof WebSocket) socket.terminate();
      },
    });
    const run = await client.getRun(runId);
    expect(result).toEqual({ outcome: 'ended', status: 'completed', lastSeq: run.lastSeq });
    expect(watch.seqs()).toEqual(range(1, run.lastSeq));
    expect(watch.seen.events.at(-1)?.type).toBe('run.completed');
    expect(watch.seen.statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    expect(watch.seen.sockets).toHaveLength(2);
    expect(watch.seen.closeCodes[0]).toBe(1006); // abnormal: no close frame
    expect(watch.storedWhileDown()).toBeGreaterThan(0);
  });

  it('resumes after the API restarts mid-run (close 1001, then refused connections)', async () => {
    const runId = (await client.startRun(slowPlan)).run.id;
    const watch = recorder();
    let restart: Promise<void> | undefined;
    const result = await client.watchRun(runId, {
      ...watch,
      initialDelayMs: 3_000,
      onEvent: (event) => {
        watch.onEvent(event);
        // Not awaited: the server closing must not wait on this handler, as a real redeploy would not.
        if (event.type === 'step.started' && !restart) restart = stack.restartApi();
      },
    });
    await restart;
    const run = await client.getRun(runId);
    expect(result).toMatchObject({ outcome: 'ended', status: 'completed' });
    expect(watch.seqs()).toEqual(range(1, run.lastSeq));
    expect(watch.seen.statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    expect(watch.seen.closeCodes[0]).toBe(1001); // going away: resume elsewhere
    expect(watch.storedWhileDown()).toBeGreaterThan(0);
  });

  it('starts after afterSeq, and resolves at once when the run ended before it', async () => {
    const runId = (await client.startRun({ plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: {} }] } })).run.id;
    const first = recorder();
    expect(await client.watchRun(runId, first)).toEqual({ outcome: 'ended', status: 'completed', lastSeq: 6 });

    const tail = recorder();
    expect(await client.watchRun(runId, { ...tail, afterSeq: 3 })).toMatchObject({ status: 'completed', lastSeq: 6 });
    expect(tail.seqs()).toEqual([4, 5, 6]);

    const caughtUp = recorder();
    expect(await client.watchRun(runId, { ...caughtUp, afterSeq: 6 })).toEqual({ outcome: 'ended', status: 'completed', lastSeq: 6 });
    expect(caughtUp.seqs()).toEqual([]);
  });

  it('stops when the signal aborts, and rejects for an unknown run or a bad key', async () => {
    const runId = (await client.startRun({ plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } })).run.id;
    const controller = new AbortController();
    const watch = recorder();
    const result = await client.watchRun(runId, {
      ...watch,
      signal: controller.signal,
      onEvent: (event) => {
        watch.onEvent(event);
        if (event.type === 'tool.call.started') controller.abort();
      },
    });
    expect(result).toEqual({ outcome: 'aborted', lastSeq: watch.seqs().at(-1) });
    await client.terminateRun(runId);

    const missing = await client.watchRun('run_missing', { onEvent: () => undefined }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(FlightdeckApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const stranger = new FlightdeckClient({ baseUrl: stack.apiUrl, apiKey: 'not-a-key-0123456789' });
    const refused = await stranger.watchRun(runId, { onEvent: () => undefined }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('rejects with what onEvent throws, and delivers nothing after it', async () => {
    const runId = (await client.startRun({ plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: {} }] } })).run.id;
    const delivered: number[] = [];
    const outcome = await client
      .watchRun(runId, {
        onEvent: (event) => {
          delivered.push(event.seq);
          if (event.seq === 2) throw new Error('handler broke');
        },
      })
      .catch((error: unknown) => error);
    expect(outcome).toEqual(new Error('handler broke'));
    expect(delivered).toEqual([1, 2]);
  });

  it('watchRuns pushes list updates that match the filter until aborted', async () => {
    const controller = new AbortController();
    const updates: Run[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((resolve) => (live = resolve));
    let sawCompleted!: () => void;
    const completed = new Promise<void>((resolve) => (sawCompleted = resolve));
    const watching = client.watchRuns(
      { status: ['completed'], tags: ['watched'] },
      (run) => {
        updates.push(run);
        sawCompleted();
      },
      { signal: controller.signal, onStatus: (status) => status === 'live' && live() },
    );
    await isLive;
    await client.startRun({ tags: ['other'], plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: {} }] } });
    const watched = (await client.startRun({ tags: ['watched'], plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: {} }] } })).run.id;
    await completed;
    controller.abort();
    await watching;
    expect(updates.map((run) => [run.id, run.status])).toEqual([[watched, 'completed']]);
  });
});
