import knex from 'knex';
import { createDb } from '../db';
import { parseKeyList } from '../key-list';
import { unkeyedLogWarning } from '../log-keys';
import { attachConfiguredEventLog, attachEventLog, createEventLogState, eventLogOf } from './state';

describe('event log state: one per database pool', () => {
  // Never connected: state goes with the Knex instance, i.e. with the pool.
  const booted = knex({ client: 'pg' });
  const unconfigured = knex({ client: 'pg' });
  afterAll(async () => {
    await booted.destroy();
    await unconfigured.destroy();
  });

  it('hands each pool the state its boot attached, or built-in redaction only, and refuses a second attach', () => {
    const state = createEventLogState({ redactKeys: ['sessionRef'] });
    attachEventLog(booted, state);
    expect(eventLogOf(booted)).toBe(state);
    expect(eventLogOf(booted).redaction).toEqual({ extraKeys: ['sessionRef'] });

    const fallback = eventLogOf(unconfigured);
    expect(fallback.redaction).toEqual({ extraKeys: [] });
    // The log keys of this process's environment (the suite's, test/global-setup.ts).
    expect(fallback.logKeys).toEqual(parseKeyList(process.env.FLIGHTDECK_LOG_KEYS ?? ''));
    expect(fallback.logKeys).toHaveLength(1);
    expect(fallback.localAppends).not.toBe(state.localAppends);
    expect(eventLogOf(unconfigured)).toBe(fallback);
    // Readers may already hold the fallback's feed: a late attach would split them from the writers.
    expect(() => attachEventLog(unconfigured, createEventLogState())).toThrow('already attached or in use');
  });

  it("goes with the pool's transactions too, so an append inside a caller's transaction redacts as configured", async () => {
    const pool = createDb(process.env.DATABASE_URL!);
    try {
      const state = createEventLogState({ redactKeys: ['sessionRef'] });
      attachEventLog(pool, state);
      await pool.transaction(async (trx) => {
        expect(eventLogOf(trx)).toBe(state);
        await trx.transaction(async (nested) => expect(eventLogOf(nested)).toBe(state));
      });
    } finally {
      await pool.destroy();
    }
  });

  it('warns once at boot when the process appends without log keys (development), not with them', async () => {
    const keyed = knex({ client: 'pg' });
    const unkeyed = knex({ client: 'pg' });
    const warnings: string[] = [];
    const log = { warn: (message: string) => warnings.push(message) };
    try {
      const logKeys = parseKeyList(process.env.FLIGHTDECK_LOG_KEYS ?? '');
      attachConfiguredEventLog(keyed, { redactKeys: [], validateEvents: true, logKeys }, log);
      expect(warnings).toEqual([]);
      expect(eventLogOf(keyed).logKeys).toEqual(logKeys);
      attachConfiguredEventLog(unkeyed, { redactKeys: [], validateEvents: true, logKeys: [] }, log);
      expect(warnings).toEqual([unkeyedLogWarning]);
      expect(unkeyedLogWarning).toContain('FLIGHTDECK_LOG_KEYS is unset');
    } finally {
      await keyed.destroy();
      await unkeyed.destroy();
    }
  });
});
