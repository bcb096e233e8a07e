import type { Knex } from 'knex';
import { presentApiKey, type ApiKeyRow, type ApiKeyView } from './api-key-row';

/** The tenant's keys, revoked ones included, newest first. */
export async function listApiKeys(db: Knex, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await db<ApiKeyRow>('api_keys').where({ tenant_id: tenantId }).orderBy('created_at', 'desc');
  return rows.map(presentApiKey);
}
