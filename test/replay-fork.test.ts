import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunEvent } from '../lib/events';
import { eventsOf, runCountOf, startRun, waitForEnd } from './run-helpers';
import { useTestStack } from './stack';

/** A counting HTTP peer: how many times each path was fetched (a replay must fetch nothing). */
async function startCountingPeer(): Promise<{ url: string; hits: Map<string, number>; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path, hit: hits.get(path) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const succeeded = (events: RunEvent[]) => events.filter((event) => event.type === 'tool.call.succeeded').map((event) => event.data as any);
const totalHits = (hits: Map<string, number>) => [...hits.values()].reduce((sum, count) => sum + count, 0);

describe('replay and fork', () => {
  const stack = useTestStack({ env: { FLIGHTDECK_HTTP_ALLOW: '127.0.0.1' } });
  let peer: Awaited<ReturnType<typeof startCountingPeer>>;
  beforeAll(async () => {
    peer = await startCountingPeer();
  });
  afterAll(() => peer.close());
  /** The run as the API serves it once its log has ended. */
  const endOf = async (runId: string) => {
    await waitForEnd(stack, runId);
    return (await stack.request('GET', `/v1/runs/${runId}`)).body.run;
  };

  const fiveSteps = () => ({
    name: 'five fetches',
    plan: { steps: [1, 2, 3, 4, 5].map((n) => ({ id: `s${n}`, tool: 'builtin.http_request', args: { url: `${peer.url}/page/${n}` } })) },
  });

  it('replays an ended run without calling its tools, names its origin, and the origin lists it', async () => {
    const originId = await startRun(stack, fiveSteps());
    expect((await endOf(originId)).status).toBe('completed');
    const before = totalHits(peer.hits);

    const replay = await stack.request('POST', `/v1/runs/${originId}/replay`, {});
    expect(replay.status).toBe(201);
    expect(replay.body.run.originRunId).toBe(originId);
    const replayId = replay.body.run.id as string;
    const ended = await endOf(replayId);
    expect(ended.status).toBe('completed');
    expect(totalHits(peer.hits)).toBe(before);

    const originOutputs = succeeded(await eventsOf(stack, originId));
    const replayed = succeeded(await eventsOf(stack, replayId));
    expect(replayed.map((data) => [data.stepId, data.output])).toEqual(originOutputs.map((data) => [data.stepId, data.output]));
    expect(replayed.every((data) => data.reusedFrom?.runId === originId)).toBe(true);

    const listed = await stack.request('GET', `/v1/runs?originRunId=${originId}`);
    expect(listed.body.runs.map((run: { id: string }) => run.id)).toEqual([replayId]);
  });

  it('forks from step 3 of 5: steps 1–2 come from the original, 3–5 run live', async () => {
    const originId = await startRun(stack, fiveSteps());
    expect((await endOf(originId)).status).toBe('completed');
    const before = new Map(peer.hits);

    const fork = await stack.request('POST', `/v1/runs/${originId}/fork`, { fromStep: 's3' });
    expect(fork.status).toBe(201);
    const forkId = fork.body.run.id as string;
    expect((await endOf(forkId)).status).toBe('completed');

    const fetchedAgain = [1, 2, 3, 4, 5].map((n) => (peer.hits.get(`/page/${n}`) ?? 0) - (before.get(`/page/${n}`) ?? 0));
    expect(fetchedAgain).toEqual([0, 0, 1, 1, 1]);
    const calls = succeeded(await eventsOf(stack, forkId));
    expect(calls.map((data) => [data.stepId, data.reusedFrom?.runId ?? null])).toEqual([
      ['s1', originId],
      ['s2', originId],
      ['s3', null],
      ['s4', null],
      ['s5', null],
    ]);
  });

  it("replays a definition's child runs from the original's children: no tool call runs live", async () => {
    const originId = await startRun(stack, { definition: 'runs-children', input: { child: 'two-echoes' } });
    expect((await endOf(originId)).status).toBe('completed');
    const replay = await stack.request('POST', `/v1/runs/${originId}/replay`, {});
    expect(replay.status).toBe(201);
    const replayId = replay.body.run.id as string;
    const ended = await endOf(replayId);
    expect(ended.status).toBe('completed');
    expect(ended.output).toEqual((await stack.request('GET', `/v1/runs/${originId}`)).body.run.output);
    const children = (await eventsOf(stack, replayId))
      .filter((event) => event.type === 'child.started')
      .map((event) => (event.data as any).childRunId as string);
    expect(children).toHaveLength(2);
    for (const childId of children) {
      const originalChild = childId.replace(replayId, originId);
      const child = (await stack.request('GET', `/v1/runs/${childId}`)).body.run;
      expect(child).toMatchObject({ status: 'completed', originRunId: originalChild, parentRunId: replayId });
      const calls = succeeded(await eventsOf(stack, childId));
      expect(calls).toHaveLength(3);
      expect(calls.every((data) => data.reusedFrom?.runId === originalChild)).toBe(true);
    }
  });

  it('fails a replay that makes a call its original never made with ReplayDiverged, naming it; calls nothing', async () => {
    const originId = await startRun(stack, { plan: { steps: [{ id: 'only', tool: 'builtin.http_request', args: { url: `${peer.url}/page/1` } }] } });
    expect((await endOf(originId)).status).toBe('completed');
    const before = totalHits(peer.hits);
    const diverging = await startRun(stack, {
      plan: { steps: [{ id: 'only', tool: 'builtin.http_request', args: { url: `${peer.url}/page/other` } }] },
      origin: { runId: originId, mode: 'replay' },
    });
    const ended = await endOf(diverging);
    expect(ended.status).toBe('failed');
    expect(ended.lastError).toMatchObject({ errorClass: 'ReplayDiverged', step: 'only' });
    expect(ended.lastError.message).toContain('builtin.http_request');
    expect(totalHits(peer.hits)).toBe(before);
  });

  it('refuses what cannot be replayed or forked, starting nothing', async () => {
    expect((await stack.request('POST', '/v1/runs/no-such-run/replay', {})).status).toBe(404);
    const originId = await startRun(stack, fiveSteps());
    await waitForEnd(stack, originId);
    const runs = await runCountOf(stack);
    const unknownStep = await stack.request('POST', `/v1/runs/${originId}/fork`, { fromStep: 'nope' });
    expect(unknownStep.status).toBe(422);
    expect(unknownStep.body.error.message).toContain('s1, s2, s3, s4, s5');
    expect((await stack.request('POST', `/v1/runs/${originId}/fork`, {})).status).toBe(400);
    expect((await stack.request('POST', `/v1/runs/${originId}/fork`, { fromStep: 's1', fromSeq: 2 })).status).toBe(400);
    const foreign = await stack.request('POST', '/v1/runs', { ...fiveSteps(), origin: { runId: 'no-such-run', mode: 'replay' } });
    expect(foreign.status).toBe(404);
    expect(await runCountOf(stack)).toBe(runs);
  });
});
