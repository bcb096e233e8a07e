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
  /**
   * Check each fact's data against its type's schema before appending (lib/event-schemas.ts):
   * on in development and tests, so a writer that drifts from the schema fails where it is
   * written; off in production (NODE_ENV=production), where writers are the tested ones.
   */
  validateEvents: boolean;
}

export function createEventLogState(options: { redactKeys?: readonly string[]; validateEvents?: boolean } = {}): EventLogState {
  return {
    redaction: { extraKeys: [...(options.redactKeys ?? [])] },
    knownRuns: new KnownRuns(),
    localAppends: new LocalAppendFeed(),
    validateEvents: options.validateEvents ?? true,
  };
}

/**
 * State by pool. Writers (the interceptor, recordEvent, domain services, tests, benches) are
 * handed only a Knex, so the state goes with it: each process's boot attaches one with its
 * configuration; a pool nobody attached to gets built-in redaction only. Keyed by the pool's
 * resolved config object, which knex hands on to every transaction of that pool, so an append
 * inside a caller's transaction redacts with the pool's configuration too.
 */
const stateByPool = new WeakMap<object, EventLogState>();

const poolKey = (db: Knex): object => db.client.config as object;

/** Call once per pool, at boot, before its first append or stream subscription. */
export function attachEventLog(db: Knex, state: EventLogState): void {
  if (stateByPool.has(poolKey(db))) throw new Error('the event log of this database pool is already attached or in use: attach it at boot, once');
  stateByPool.set(poolKey(db), state);
}

export function eventLogOf(db: Knex): EventLogState {
  let state = stateByPool.get(poolKey(db));
  if (!state) stateByPool.set(poolKey(db), (state = createEventLogState()));
  return state;
}
