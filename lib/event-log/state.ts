import type { Knex } from 'knex';
import { z } from 'zod';
import type { NamedKey } from '../key-list';
import { LocalAppendFeed } from '../local-appends';
import { logKeysShape, unkeyedLogWarning } from '../log-keys';
import type { RedactOptions } from '../redact';
import { AppendCoalescer } from './coalesce';
import { KnownRuns } from './known-runs';

/** What the event log keeps between appends to one database pool. */
export interface EventLogState {
  /**
   * This process's extra secret keys (FLIGHTDECK_REDACT_KEYS). Built-in keys apply whatever is
   * set here: configuration can only add to them, so a process that never configures redaction still redacts.
   */
  redaction: RedactOptions;
  /**
   * FLIGHTDECK_LOG_KEYS: the first signs the rows this process appends (HMAC), every one verifies
   * the rows that name it (lib/verify-chain.ts). Empty: new rows are legacy sha256.
   */
  logKeys: readonly NamedKey[];
  knownRuns: KnownRuns;
  localAppends: LocalAppendFeed;
  /** Merges this process's concurrent appends to one run into one write (group commit). */
  coalescer: AppendCoalescer;
  /**
   * Check each fact's data against its type's schema before appending (lib/event-schemas.ts):
   * on in development and tests, so a writer that drifts from the schema fails where it is
   * written; off in production (NODE_ENV=production), where writers are the tested ones.
   */
  validateEvents: boolean;
}

export function createEventLogState(options: { redactKeys?: readonly string[]; validateEvents?: boolean; logKeys?: readonly NamedKey[] } = {}): EventLogState {
  return {
    redaction: { extraKeys: [...(options.redactKeys ?? [])] },
    logKeys: [...(options.logKeys ?? [])],
    knownRuns: new KnownRuns(),
    localAppends: new LocalAppendFeed(),
    coalescer: new AppendCoalescer(),
    validateEvents: options.validateEvents ?? true,
  };
}

/**
 * State by pool. Writers (the interceptor, recordEvent, domain services, tests, benches) are
 * handed only a Knex, so the state goes with it: each process's boot attaches one with its
 * configuration; a pool nobody attached to gets built-in redaction only, and the log keys of this
 * process's FLIGHTDECK_LOG_KEYS (tests and one-off scripts, so what they append verifies where the
 * installation's processes verify). Keyed by the pool's resolved config object, which knex hands
 * on to every transaction of that pool, so an append inside a caller's transaction redacts and
 * signs with the pool's configuration too.
 */
const stateByPool = new WeakMap<object, EventLogState>();

const poolKey = (db: Knex): object => db.client.config as object;

/** Call once per pool, at boot, before its first append or stream subscription. */
export function attachEventLog(db: Knex, state: EventLogState): void {
  if (stateByPool.has(poolKey(db))) throw new Error('the event log of this database pool is already attached or in use: attach it at boot, once');
  stateByPool.set(poolKey(db), state);
}

/**
 * A process's boot: attachEventLog with its configuration (lib/config.ts `eventLogOptions`),
 * warning once when it will append unkeyed rows (no FLIGHTDECK_LOG_KEYS: development only).
 */
export function attachConfiguredEventLog(
  db: Knex,
  options: { redactKeys: readonly string[]; validateEvents: boolean; logKeys: readonly NamedKey[] },
  log: { warn(message: string): void },
): void {
  attachEventLog(db, createEventLogState(options));
  if (options.logKeys.length === 0) log.warn(unkeyedLogWarning);
}

export function eventLogOf(db: Knex): EventLogState {
  let state = stateByPool.get(poolKey(db));
  if (!state) stateByPool.set(poolKey(db), (state = createEventLogState({ logKeys: environmentLogKeys() })));
  return state;
}

const environmentLogKeys = (): NamedKey[] => z.object(logKeysShape).parse(process.env).FLIGHTDECK_LOG_KEYS;
