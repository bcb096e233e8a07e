/**
 * The event schemas: one per event type, checked on append outside production (a misshapen fact
 * is refused whole, nothing of its append stored), and the typed view readers use.
 */
import { createScratchDatabase } from '../test/databases';
import { attemptData, createdFact } from '../test/event-facts';
import { createDb, migrateLatest } from './db';
import { appendEvents, attachEventLog, createEventLogState, readEvents } from './event-log';
import { eventDataSchemas, problemsWithEventData, typedEventData } from './event-schemas';
import { eventTypes, isCustomEventType, type NewEvent } from './events';

/** A tool.call.started whose data lost its args and gained a field no schema names: what a drifting writer would hand in. */
const misshapen = (runId: string): NewEvent =>
  ({ type: 'tool.call.started', dedupeKey: `${runId}/bad`, data: { ...attemptData('s', 1), note: 'not in the schema' } }) as unknown as NewEvent;

describe('event schemas', () => {
  it('has a data schema for every event type and no other', () => {
    expect(Object.keys(eventDataSchemas).sort()).toEqual([...eventTypes].sort());
  });

  it('names what is wrong with a misshapen fact: a missing field, an unknown one, a wrong type', () => {
    const problems = problemsWithEventData('tool.call.started', { ...attemptData('s', 1), attempt: 'one', note: 'x' })!;
    expect(problems.map((issue) => issue.path.join('.') || issue.code).sort()).toEqual(['args', 'attempt', 'unrecognized_keys']);
    expect(problemsWithEventData('tool.call.started', { ...attemptData('s', 1), args: {} })).toBeNull();
  });

  it('types stored events for readers, and gives null for data of another shape', () => {
    const typed = typedEventData({ type: 'approval.expired', data: { approvalId: 'run_1:s', onTimeout: 'reject' } });
    expect(typed).toEqual({ type: 'approval.expired', data: { approvalId: 'run_1:s', onTimeout: 'reject' } });
    expect(typedEventData({ type: 'approval.expired', data: { approvalId: 7 } })).toBeNull();
    expect(typedEventData({ type: 'no.such.type', data: {} })).toBeNull();
  });

  it('takes custom.<name> events of a valid name with a JSON object of at most 64 KiB, and refuses others', () => {
    expect(problemsWithEventData('custom.progress', { done: 1, nested: { list: [1, 'a', null] } })).toBeNull();
    expect(problemsWithEventData('custom.progress', { fn: undefined })).not.toBeNull();
    expect(problemsWithEventData('custom.big', { padding: 'x'.repeat(70_000) })![0]!.message).toContain('larger than 65536 bytes');
    expect(problemsWithEventData('custom.Bad' as never, {})).not.toBeNull();
    expect(typedEventData({ type: 'custom.progress', data: { done: 1 } })).toEqual({ type: 'custom.progress', data: { done: 1 } });
    expect(typedEventData({ type: 'custom.progress', data: 'text' })).toBeNull();
    expect(isCustomEventType('custom.a.b-c_1')).toBe(true);
    expect(isCustomEventType(`custom.${'a'.repeat(65)}`)).toBe(false);
  });

  describe('on append', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    beforeAll(async () => {
      scratch = await createScratchDatabase('event_schemas');
      await migrateLatest(scratch.db);
    });
    afterAll(async () => {
      await scratch?.drop();
    });

    it('refuses an append holding a misshapen fact whole, naming the field, and stores nothing of it', async () => {
      const target = { tenantId: 't', runId: 'run_misshapen' };
      await expect(appendEvents(scratch.db, target, [createdFact(target.runId), misshapen(target.runId)])).rejects.toThrow(
        /tool\.call\.started \(run_misshapen\/bad\) does not fit its schema in lib\/event-schemas\.ts: data\.args: .*; data: Unrecognized key: "note"/,
      );
      expect(await readEvents(scratch.db, target, { afterSeq: 0, limit: 10 })).toEqual([]);
    });

    it('stores it as it is when the check is off (production)', async () => {
      const db = createDb(scratch.url, { poolMax: 1 });
      try {
        attachEventLog(db, createEventLogState({ validateEvents: false }));
        const target = { tenantId: 't', runId: 'run_unchecked' };
        await appendEvents(db, target, [createdFact(target.runId), misshapen(target.runId)]);
        expect((await readEvents(db, target, { afterSeq: 0, limit: 10 })).map((event) => event.type)).toEqual(['run.created', 'tool.call.started']);
      } finally {
        await db.destroy();
      }
    });
  });
});
