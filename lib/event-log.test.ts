/**
 * appendEvents on its plain-`pg` path, against a real Postgres: many writers of one run at once
 * (creators included) leave a gapless, chained log with each fact once, the one-statement append
 * is taken when the row is as this process left it and gives way to the lock otherwise, a failed
 * append leaves nothing behind and its connection usable, and the projection, approvals and
 * NOTIFY are written.
 */
import { Client } from 'pg';
import { createScratchDatabase } from '../test/databases';
import { createdFact, startedFact } from '../test/event-facts';
import { createDb, migrateLatest } from './db';
import { appendEvents, eventsChannel, readEvents } from './event-log';
import type { NewEvent } from './events';
import { eventAppendsTotal } from './metrics';
import { findRun } from './runs-store';
import { verifyRunLog } from './verify-chain';
import { sleep } from '../test/wait';

const created = createdFact;
const started = (runId: string, index: number) => startedFact(runId, index);

describe('appendEvents (plain pg transaction)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase('event_log');
    await migrateLatest(scratch.db);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('keeps seq gapless, the chain whole and each fact once under concurrent writers and creators', async () => {
    const target = { tenantId: 't', runId: 'run_concurrent' };
    // Every call carries run.created (as the API and the workflow both do), so the run is created once by whoever locks first.
    const calls = Array.from({ length: 40 }, (_, index) => appendEvents(scratch.db, target, [created(target.runId), started(target.runId, index % 30)]));
    const stored = (await Promise.all(calls)).flat();
    expect(stored).toHaveLength(31);

    const events = await readEvents(scratch.db, target, { afterSeq: 0, limit: 100 });
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 31 }, (_, index) => index + 1));
    expect(events.filter((event) => event.type === 'run.created')).toHaveLength(1);
    expect(new Set(events.map((event) => JSON.stringify(event.data))).size).toBe(31);
    const verification = await verifyRunLog(scratch.db, target);
    expect(verification?.ok).toBe(true);
    const run = await findRun(scratch.db, 't', target.runId);
    expect(run).toMatchObject({ lastSeq: 31, tags: ['t1'], toolCalls: { started: 30, succeeded: 0, failed: 0 } });
  });

  it("writes a run's next append in one statement, skips what it knows is stored, and takes the lock when another writer moved the row on", async () => {
    const target = { tenantId: 't', runId: 'run_optimistic' };
    const otherProcess = createDb(scratch.url); // its own pool and its own idea of the run's row
    const appendsBy = async () => Object.fromEntries((await eventAppendsTotal.get()).values.map((value) => [String(value.labels.path), value.value]));
    try {
      const before = await appendsBy();
      const delta = async () => {
        const now = await appendsBy();
        return Object.fromEntries(
          Object.entries(now)
            .map(([path, count]) => [path, count - (before[path] ?? 0)])
            .filter(([, count]) => count !== 0),
        );
      };
      await appendEvents(scratch.db, target, [created(target.runId)]);
      for (let index = 1; index <= 3; index += 1) await appendEvents(scratch.db, target, [started(target.runId, index)]);
      // The workflow's first append repeats the API's run.created: known here, so left out of the statement.
      await appendEvents(scratch.db, target, [created(target.runId), started(target.runId, 4)]);
      // The run's first facts insert its row in one statement too.
      expect(await delta()).toEqual({ new_run: 1, one_statement: 4 });
      expect(await appendEvents(scratch.db, target, [started(target.runId, 2)])).toEqual([]);
      expect(await delta()).toEqual({ new_run: 1, one_statement: 4, known: 1 });

      // Another process appends (it never saw the run: locked): this one's row is stale, its one
      // statement writes nothing, the lock decides.
      await appendEvents(otherProcess, target, [started(target.runId, 5)]);
      await appendEvents(scratch.db, target, [started(target.runId, 6)]);
      expect(await delta()).toEqual({ new_run: 1, locked: 1, one_statement: 4, known: 1, locked_after_miss: 1 });
      // A key stored elsewhere (under another run) that this process never saw: the unique index
      // refuses the statement, the lock finds the key stored, nothing is stored twice.
      await appendEvents(otherProcess, { tenantId: 't', runId: 'run_elsewhere' }, [created('run_elsewhere'), started(target.runId, 7)]);
      expect(await appendEvents(scratch.db, target, [started(target.runId, 7)])).toEqual([]);
      expect(await appendEvents(scratch.db, target, [started(target.runId, 8)])).toHaveLength(1);
      expect(await delta()).toEqual({ new_run: 2, locked: 1, one_statement: 5, known: 1, locked_after_miss: 2 });

      const events = await readEvents(scratch.db, target, { afterSeq: 0, limit: 100 });
      expect(events.map((event) => [event.seq, (event.data as { args?: { index?: number } }).args?.index ?? null])).toEqual([
        [1, null],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
        [6, 5],
        [7, 6],
        [8, 8],
      ]);
      expect((await verifyRunLog(scratch.db, target))?.ok).toBe(true);
      expect(await findRun(scratch.db, 't', target.runId)).toMatchObject({ lastSeq: 8, toolCalls: { started: 7, succeeded: 0, failed: 0 } });
    } finally {
      await otherProcess.destroy();
    }
  });

  it("lets a new run's creators on both paths queue on each other: one row, run.created once, no creator refused", async () => {
    const otherProcess = createDb(scratch.url);
    // An approval fact keeps an append on the locked path (lockNewRun's advisory lock); the others
    // try the one-statement insert of the row, which takes the same lock.
    const approval = (runId: string, index: number): NewEvent => ({
      type: 'approval.requested',
      dedupeKey: `${runId}/approval-${index}`,
      data: {
        approvalId: `${runId}_ap_${index}`,
        stepId: `s${index}`,
        tool: 'builtin.echo',
        args: {},
        approvers: ['operator'],
        required: 1,
        onTimeout: 'reject',
        timeout: '1h',
      },
    });
    const createConcurrently = async (runId: string) => {
      const target = { tenantId: 't', runId };
      // The locked creators go first, so the one-statement ones tend to land inside their transactions.
      const calls = Array.from({ length: 12 }, (_, index) => {
        const pool = index % 2 === 0 ? scratch.db : otherProcess;
        return appendEvents(pool, target, [created(runId), index < 4 ? approval(runId, index) : started(runId, index)]);
      });
      expect((await Promise.all(calls)).flat()).toHaveLength(13);
      const events = await readEvents(scratch.db, target, { afterSeq: 0, limit: 100 });
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
      expect(events[0]?.type).toBe('run.created');
      expect(events.filter((event) => event.type === 'run.created')).toHaveLength(1);
      expect((await verifyRunLog(scratch.db, target))?.ok).toBe(true);
      expect(await findRun(scratch.db, 't', runId)).toMatchObject({ lastSeq: 13, pendingApprovals: 4 });
    };
    try {
      for (let round = 0; round < 5; round += 1) {
        await Promise.all(Array.from({ length: 6 }, (_, index) => createConcurrently(`run_two_kinds_${round}_${index}`)));
      }
    } finally {
      await otherProcess.destroy();
    }
  });

  it('rolls a failing append back whole and keeps the pool usable', async () => {
    const target = { tenantId: 't', runId: 'run_rollback' };
    await appendEvents(scratch.db, target, [created(target.runId)]);
    // The first fact is fine; jsonb refuses the second's NUL character, in the same statement: neither may land.
    const invalid: NewEvent = {
      type: 'tool.call.started',
      dedupeKey: `${target.runId}/bad`,
      data: { stepId: 's', tool: 'builtin.echo', attempt: 1, activityId: 'bad', idempotencyKey: 'bad', args: { note: 'nul \u0000' } },
    };
    await expect(appendEvents(scratch.db, target, [started(target.runId, 1), invalid])).rejects.toThrow();
    // Every pooled connection must have left the failed transaction: more appends than the pool has connections.
    await Promise.all(Array.from({ length: 12 }, (_, index) => appendEvents(scratch.db, target, [started(target.runId, 100 + index)])));
    const events = await readEvents(scratch.db, target, { afterSeq: 0, limit: 100 });
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 13 }, (_, index) => index + 1));
    expect(events.some((event) => (event.data as { args?: { index?: number } }).args?.index === 1)).toBe(false);
    expect((await verifyRunLog(scratch.db, target))?.ok).toBe(true);
  });

  it("refuses another tenant's run and writes the approvals projection and the NOTIFY", async () => {
    const target = { tenantId: 't', runId: 'run_approval' };
    const listener = new Client({ connectionString: scratch.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (message) => notified.push(message.payload ?? ''));
    await listener.query(`listen ${eventsChannel}`);
    try {
      await appendEvents(scratch.db, target, [
        created(target.runId),
        {
          type: 'approval.requested',
          dedupeKey: `${target.runId}/approval`,
          data: { approvalId: 'ap_1', stepId: 's', tool: 'builtin.echo', args: {}, approvers: ['operator'], required: 1, onTimeout: 'reject', timeout: '1h' },
        },
      ]);
      await expect(appendEvents(scratch.db, { tenantId: 'other', runId: target.runId }, [started(target.runId, 1)])).rejects.toThrow(/another tenant/);
      const approval = await scratch.db('approvals').where({ id: 'ap_1' }).first();
      expect(approval).toMatchObject({ run_id: target.runId, status: 'pending', updated_seq: 2 });
      const deadline = Date.now() + 10_000;
      while (notified.length === 0 && Date.now() < deadline) await sleep(50);
      expect(notified.map((payload) => JSON.parse(payload) as unknown)).toEqual([{ tenantId: 't', runId: target.runId, seq: 2 }]);
    } finally {
      await listener.end();
    }
  });
});
