import { timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { hashKey, type ApiKeyRow } from './api-key-row';
import type { Authenticator, Principal } from './principal';

const cacheTtlMs = 5_000;
const maxCachedKeys = 10_000;

/**
 * Keys from the database (hash lookup), plus the bootstrap admin key from the environment, which
 * acts as admin of the default tenant and may manage keys of any tenant. Lookups are cached for a
 * few seconds: a revoked key stops working at once on the instance that revoked it, and within
 * that time on the others.
 */
export function databaseAuthenticator(db: Knex, bootstrap: { adminKey: string; tenantId: string }): Authenticator {
  const bootstrapKey = Buffer.from(bootstrap.adminKey);
  // Valid keys only: an unknown token is looked up each time (failed attempts are throttled by
  // address before they get here, api/failed-auth-throttle.ts), so junk tokens cannot push the
  // valid keys out.
  const cache = new Map<string, { principal: Principal; until: number }>();
  return {
    invalidate: () => cache.clear(),
    async authenticate(token) {
      if (!token) throw new AppError('unauthenticated', 'missing API key: send "Authorization: Bearer <key>"');
      const given = Buffer.from(token);
      if (given.length === bootstrapKey.length && timingSafeEqual(given, bootstrapKey)) {
        return { tenantId: bootstrap.tenantId, role: 'admin', superAdmin: true, actor: { type: 'api_key', id: 'admin', role: 'admin' } };
      }
      const hash = hashKey(token);
      const cached = cache.get(hash);
      let principal: Principal | null;
      if (cached && cached.until > Date.now()) {
        principal = cached.principal;
      } else {
        const row = await db<ApiKeyRow>('api_keys').where({ key_hash: hash }).whereNull('revoked_at').first();
        principal = row
          ? { tenantId: row.tenant_id, role: row.role, superAdmin: false, actor: { type: 'api_key', id: row.id, name: row.name, role: row.role } }
          : null;
        cache.delete(hash);
        if (principal) {
          if (cache.size >= maxCachedKeys) evictExpired(cache);
          cache.set(hash, { principal, until: Date.now() + cacheTtlMs });
        }
      }
      if (!principal) throw new AppError('unauthenticated', 'invalid or revoked API key');
      return principal;
    },
  };
}

/** Drops expired entries, then, if still full, the oldest (a Map keeps insertion order). */
function evictExpired(cache: Map<string, { until: number }>): void {
  const now = Date.now();
  for (const [hash, entry] of cache) if (entry.until <= now) cache.delete(hash);
  for (const hash of cache.keys()) {
    if (cache.size < maxCachedKeys) break;
    cache.delete(hash);
  }
}
