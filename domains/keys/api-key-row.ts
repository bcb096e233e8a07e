import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { apiKeySchema } from '../../lib/api-client/schemas';
import type { Actor } from '../../lib/events';
import type { Role } from '../../lib/run-spec';

/** A row of `api_keys`: only the key's hash is stored. */
export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  key_hash: string;
  created_by: Actor | null;
  created_at: Date;
  revoked_at: Date | null;
}

/** A key as the API shows it: the wire shape of the typed client, never the hash. */
export type ApiKeyView = z.input<typeof apiKeySchema>;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export const presentApiKey = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  role: row.role,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  createdBy: row.created_by,
});
