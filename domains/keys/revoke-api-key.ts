import type { Knex } from 'knex';
import { AppError } from '../../lib/errors';
import { presentApiKey, type ApiKeyRow, type ApiKeyView } from './api-key-row';

/** Revokes a key of the tenant; revoking twice is harmless; another tenant's key is a 404. */
export async function revokeApiKey(db: Knex, tenantId: string, id: string): Promise<ApiKeyView> {
  const [row] = await db<ApiKeyRow>('api_keys')
    .where({ id, tenant_id: tenantId })
    .update({ revoked_at: db.raw('coalesce(revoked_at, now())') as unknown as Date })
    .returning('*');
  if (!row) throw new AppError('not_found', `API key ${id} not found`);
  return presentApiKey(row);
}
