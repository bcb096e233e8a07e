import type { Knex } from 'knex';
import { LocalAppendFeed } from '../local-appends';
import type { RedactOptions } from '../redact';
import { KnownRuns } from './known-runs';

/** What the event log keeps between appends to one database pool. */
export interface EventLogState {
  /**
   * This process's extra secret keys (FLIGHTDECK_REDACT_KEYS). Built-in keys apply whatever is
   * set here: configuration can only add to them, so a process that never configures redaction still redacts.
   */
  redaction: RedactOptions;
  knownRuns: KnownRuns;
  localAppends: LocalAppendFeed;
}

export function createEventLogState(options: { redactKeys?: readonly string[] } = {}): EventLogState {
  return { redaction: { extraKeys: [...(options.redactKeys ?? [])] }, knownRuns: new KnownRuns(), localAppends: new LocalAppendFeed() };
}

/**
 * State by pool. Writers (the interceptor, recordEvent, domain services, tests, benches) are
 * handed only a Knex, so the state goes with it: each process's boot attaches one with its
 * configuration; a pool nobody attached to gets built-in redaction only.
 */
const stateByDb = new WeakMap<Knex, EventLogState>();

/** Call once per pool, at boot, before its first append or stream subscription. */
export function attachEventLog(db: Knex, state: EventLogState): void {
  if (stateByDb.has(db)) throw new Error('the event log of this database pool is already attached or in use: attach it at boot, once');
  stateByDb.set(db, state);
}

export function eventLogOf(db: Knex): EventLogState {
  let state = stateByDb.get(db);
  if (!state) stateByDb.set(db, (state = createEventLogState()));
  return state;
}
