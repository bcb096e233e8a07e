/**
 * The API process is killed with SIGKILL mid-run and started again on the same port while 200 ws
 * clients follow 20 five-step runs. Each client reconnects (retrying until the API is back) and
 * resubscribes with the last seq it had: every client ends with every event of its runs once, in
 * order — 0 gaps, 0 duplicates.
 */
import WebSocket from 'ws';
import { freePort } from '../scripts/free-port';
import { startApiProcess } from './api-process';
import { useTestStack } from './stack';
import { sleep } from './wait';

const runCount = 20;
const clientCount = 200;
const runsPerClient = 5;
const plan = (index: number) => ({
  name: `api-crash-${index}`,
  plan: { steps: ['s1', 's2', 's3', 's4', 's5'].map((id) => ({ id, tool: 'builtin.wait', args: { seconds: 1 } })) },
});

/** A ws client that resumes each run from the last seq it received whenever its connection drops. */
class ResumingClient {
  readonly lastSeq = new Map<string, number>();
  gaps = 0;
  duplicates = 0;
  reconnects = 0;
  private socket: WebSocket | null = null;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly runIds: string[],
  ) {
    for (const runId of runIds) this.lastSeq.set(runId, 0);
  }

  async connect(): Promise<void> {
    for (;;) {
      try {
        await this.open();
        return;
      } catch {
        if (this.stopped) return;
        await sleep(100);
      }
    }
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, { headers: { authorization: `Bearer ${this.key}` } });
      socket.once('error', reject);
      socket.once('open', () => {
        this.socket = socket;
        for (const runId of this.runIds) socket.send(JSON.stringify({ type: 'subscribe', runId, afterSeq: this.lastSeq.get(runId) }));
        socket.on('message', (data) => this.onFrame(JSON.parse(data.toString())));
        socket.once('close', () => {
          if (this.stopped) return;
          this.reconnects += 1;
          void this.connect();
        });
        resolve();
      });
    });
  }

  private onFrame(frame: { type: string; runId?: string; seq?: number }): void {
    if (frame.type !== 'event' || !frame.runId || frame.seq === undefined) return;
    const last = this.lastSeq.get(frame.runId) ?? 0;
    if (frame.seq <= last) this.duplicates += 1;
    else if (frame.seq > last + 1) this.gaps += 1;
    this.lastSeq.set(frame.runId, Math.max(last, frame.seq));
  }

  close(): void {
    this.stopped = true;
    this.socket?.close();
  }
}

describe('the API killed -9 and restarted while ws clients follow runs', () => {
  let api: Awaited<ReturnType<typeof startApiProcess>> | null = null;
  const clients: ResumingClient[] = [];
  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        for (const client of clients) client.close();
        api?.child.kill('SIGTERM');
      },
    },
  );

  it('loses and repeats nothing for 200 reconnecting clients', async () => {
    const port = await freePort();
    const env = { ...process.env, FLIGHTDECK_ADMIN_KEY: stack.adminKey, FLIGHTDECK_DEFAULT_TENANT: stack.tenantId, TEMPORAL_TASK_QUEUE: stack.taskQueue };
    api = await startApiProcess(env, { port });
    const started = await Promise.all(Array.from({ length: runCount }, (_, index) => stack.request('POST', '/v1/runs', plan(index))));
    const runIds: string[] = started.map((response) => response.body.run.id);
    for (let index = 0; index < clientCount; index += 1) {
      const mine = Array.from({ length: runsPerClient }, (_, offset) => runIds[(index + offset) % runCount]!);
      clients.push(new ResumingClient(api.wsUrl, stack.adminKey, mine));
    }
    await Promise.all(clients.map((client) => client.connect()));

    // Kill once the clients are mid-stream: some events seen, the runs not done.
    const seen = () => clients.reduce((sum, client) => sum + [...client.lastSeq.values()].reduce((a, b) => a + b, 0), 0);
    for (let waited = 0; seen() < clientCount * runsPerClient * 4; waited += 50) {
      if (waited > 60_000) throw new Error('clients saw too few events before the kill');
      await sleep(50);
    }
    api.child.kill('SIGKILL');
    await new Promise((resolve) => api!.child.once('exit', resolve));
    const completedAtKill = await stack.db('runs').whereIn('id', runIds).andWhere({ status: 'completed' }).count<{ count: string }[]>('* as count');
    expect(Number(completedAtKill[0]?.count)).toBeLessThan(runCount);
    api = await startApiProcess(env, { port });

    for (const runId of runIds) await stack.waitForRun(runId, { timeoutMs: 90_000 });
    const lastSeqs = new Map((await stack.db('runs').whereIn('id', runIds).select('id', 'last_seq')).map((row) => [row.id as string, Number(row.last_seq)]));
    const caughtUp = () => clients.every((client) => [...client.lastSeq].every(([runId, seq]) => seq === lastSeqs.get(runId)));
    for (let waited = 0; !caughtUp(); waited += 100) {
      if (waited > 30_000) throw new Error('clients did not catch up after the restart');
      await sleep(100);
    }
    const totals = clients.reduce(
      (sum, client) => ({
        gaps: sum.gaps + client.gaps,
        duplicates: sum.duplicates + client.duplicates,
        reconnected: sum.reconnected + (client.reconnects > 0 ? 1 : 0),
      }),
      { gaps: 0, duplicates: 0, reconnected: 0 },
    );
    expect(totals).toEqual({ gaps: 0, duplicates: 0, reconnected: clientCount });
  }, 180_000);
});
