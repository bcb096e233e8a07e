/**
 * FLIGHTDECK_LOG_KEYS: the keys of the event log's hash chain (lib/event-log/hash-chain.ts) and of
 * the signed chain heads `npm run verify-log -- --export-heads` writes (lib/log-heads.ts). They are
 * kept outside the database, so whoever can rewrite `run_events` cannot recompute the chain.
 * lib/config.ts puts the field in every schema of a process that appends or verifies.
 */
import { keyListField } from './key-list';

export const logKeysShape = {
  FLIGHTDECK_LOG_KEYS: keyListField().describe(
    'Comma list of `<keyId>:<base64 32-byte key>` (`openssl rand -base64 32`) that key the event log’s hash chain (HMAC-SHA256) and sign the chain heads `verify-log --export-heads` writes: the first signs new rows, all verify (rotation by key id). Every API, worker and `verify-log` needs the same list; required with NODE_ENV=production. Unset in development: new rows are legacy sha256, with a warning at start.',
  ),
};

/** Logged once by a process that appends without keys (outside production, where it may). */
export const unkeyedLogWarning =
  'FLIGHTDECK_LOG_KEYS is unset: new events are hashed with plain sha256, which anyone with database access can recompute after an edit; set it (<keyId>:<openssl rand -base64 32>) — production refuses to start without it';
