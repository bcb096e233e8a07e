import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { ulid } from 'ulidx';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../lib/events';
import type { Role } from '../../lib/run-spec';
import type { Authenticator, Principal } from '../../lib/principal';

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  key_hash: string;
  created_by: Actor | null;
  created_at: Date;
  revoked_at: Date | null;
}

export interface ApiKeyView {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  createdBy: Actor | null;
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

const present = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  role: row.role,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  createdBy: row.created_by,
});

/** Creates a key; the returned `key` is the only time anyone sees it (only its hash is stored). */
export async function createApiKey(
  db: Knex,
  input: { tenantId: string; name: string; role: Role; createdBy: Actor },
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const key = `fd_${randomBytes(24).toString('base64url')}`;
  const [row] = await db<ApiKeyRow>('api_keys')
    .insert({
      id: `key_${ulid()}`,
      tenant_id: input.tenantId,
      name: input.name,
      role: input.role,
      key_hash: hashKey(key),
      created_by: JSON.stringify(input.createdBy) as unknown as Actor,
      created_at: new Date(),
    })
    .returning('*');
  return { key, apiKey: present(row!) };
}

export async function listApiKeys(db: Knex, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await db<ApiKeyRow>('api_keys').where({ tenant_id: tenantId }).orderBy('created_at', 'desc');
  return rows.map(present);
}

/** Revokes a key of the tenant; revoking twice is harmless; another tenant's key is a 404. */
export async function revokeApiKey(db: Knex, tenantId: string, id: string): Promise<ApiKeyView> {
  const [row] = await db<ApiKeyRow>('api_keys')
    .where({ id, tenant_id: tenantId })
    .update({ revoked_at: db.raw('coalesce(revoked_at, now())') as unknown as Date })
    .returning('*');
  if (!row) throw new AppError('not_found', `API key ${id} not found`);
  return present(row);
}

const cacheTtlMs = 5_000;

/**
 * Keys from the database (hash lookup), plus the bootstrap admin key from the environment, which
 * acts as admin of the default tenant and may manage keys of any tenant. Lookups are cached for a
 * few seconds: a revoked key stops working at once on the instance that revoked it, and within
 * that time on the others.
 */
export function databaseAuthenticator(db: Knex, bootstrap: { adminKey: string; tenantId: string }): Authenticator {
  const bootstrapKey = Buffer.from(bootstrap.adminKey);
  const cache = new Map<string, { principal: Principal | null; until: number }>();
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
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { principal, until: Date.now() + cacheTtlMs });
      }
      if (!principal) throw new AppError('unauthenticated', 'invalid or revoked API key');
      return principal;
    },
  };
}
